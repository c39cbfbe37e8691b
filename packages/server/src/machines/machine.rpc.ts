import { Duration } from '@bufbuild/protobuf';
import { parseId, type JsonObject } from '@hangar/domain';
import { appRobotApi } from '@hangar/wire';
import type { MachineServiceDescriptor } from '../logs/logs.rpc.js';
import type { ServiceHandlers } from '../rpc/routes.js';
import type { MachineCloud, MachineService } from './machine.service.js';
import { robotConfigOf } from './robot-config.js';

/** The agent's description of itself as stored (user_supplied_info): only what it said. */
function agentInfoJson(info: appRobotApi.AgentInfo): JsonObject {
  return {
    host: info.host,
    os: info.os,
    ips: [...info.ips],
    version: info.version,
    git_revision: info.gitRevision,
    platform: info.platform ?? '',
    ...(info.platformTags.length > 0 && { platform_tags: [...info.platformTags] }),
  };
}

function cloudConfig(cloud: MachineCloud): appRobotApi.CloudConfig {
  return new appRobotApi.CloudConfig({
    ...cloud,
    locationSecrets: cloud.locationSecrets.map((s) => ({ id: s.id, secret: s.secret })),
    // Older viam-servers read the single location secret.
    locationSecret: cloud.locationSecrets[0]?.secret ?? '',
    // No app signaling: machines are reached through the server, and fetch no certificate.
    signalingAddress: '',
    signalingInsecure: true,
    managedBy: '',
  });
}

/** viam.app.v1.RobotService's Config, NeedsRestart and Certificate (Log is the logs feature's). */
export const machineRpc = (machine: MachineService): Omit<ServiceHandlers<MachineServiceDescriptor>, 'log'> => ({
  async config(req) {
    const found = await machine.config(parseId('id', req.id), req.agentInfo && agentInfoJson(req.agentInfo));
    return { config: robotConfigOf(found.config, cloudConfig(found.cloud), found.revision) };
  },
  async needsRestart(req) {
    const id = parseId('id', req.id);
    const { mustRestart, checkIntervalSeconds } = await machine.needsRestart(id);
    return { id, mustRestart, restartCheckInterval: new Duration({ seconds: BigInt(checkIntervalSeconds) }) };
  },
  certificate(req) {
    parseId('id', req.id);
    return Promise.reject(machine.certificate());
  },
});
