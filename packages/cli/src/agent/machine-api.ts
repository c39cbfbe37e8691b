/**
 * What the agent serves through its tunnel: viam.robot.v1.RobotService's calls about the machine itself —
 * the resources its config declares (named as rdk names them), its status with the config revision it
 * runs, its version, its cloud metadata, its operations (none). Anything else answers UNIMPLEMENTED.
 */
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { appRobotApi, Timestamp } from '@hangar/sdk';
import {
  MachineRobotService,
  SHELL_API,
  ServerReflectionV1,
  ServerReflectionV1Alpha,
  ShellService,
  commonApi,
  reflectionHandler,
  reflectionV1,
  reflectionV1Alpha,
  robotApi,
} from '@hangar/wire';
import { shellHandler } from './shell-service.js';

/** rdk's name of a configured resource: `rdk:component:motor` → namespace rdk, type component, subtype motor. */
function resourceName(
  kind: 'component' | 'service',
  r: { name: string; api: string; namespace: string; type: string },
): commonApi.ResourceName {
  const [namespace, type, subtype] = r.api.split(':');
  if (namespace !== undefined && type !== undefined && subtype !== undefined) {
    return new commonApi.ResourceName({ namespace, type, subtype, name: r.name });
  }
  return new commonApi.ResourceName({ namespace: r.namespace || 'rdk', type: kind, subtype: r.type, name: r.name });
}

export function resourceNames(config: appRobotApi.RobotConfig): commonApi.ResourceName[] {
  return [...config.components.map((c) => resourceName('component', c)), ...config.services.map((s) => resourceName('service', s))];
}

/** The names of the config's shell services: viam-server offers a shell only when the config asks for one. */
export function shellNames(config: appRobotApi.RobotConfig | undefined): string[] {
  return (config?.services ?? [])
    .filter((s) => s.api === SHELL_API || (s.api === '' && s.type === 'shell' && (s.namespace === '' || s.namespace === 'rdk')))
    .map((s) => s.name);
}

/** What the agent describes by reflection: the services it serves itself (reflection adds its own). */
const SERVED = [MachineRobotService, ShellService];

export interface MachineState {
  /** The config it runs, and since when. */
  config(): { config: appRobotApi.RobotConfig; since: Date } | undefined;
  readonly version: string;
  readonly note: (level: 'info' | 'warn', message: string) => void;
  /** With --forward: where every call the agent does not answer itself goes (reflection among them). */
  readonly forward?: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
}

/** A request bigger than gRPC's default limit is refused with RESOURCE_EXHAUSTED before it is read whole. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The calls the agent answers itself, forwarding or not. */
const OWN_PATHS = new Set([
  ...['ResourceNames', 'GetMachineStatus', 'GetVersion', 'GetCloudMetadata', 'GetOperations'].map(
    (m) => `/${MachineRobotService.typeName}/${m}`,
  ),
  `/${ShellService.typeName}/Shell`,
]);

export function machineApiHandler(state: MachineState): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const own = ownHandler(state);
  const forward = state.forward;
  if (forward === undefined) return own;
  return (req, res) => (OWN_PATHS.has(req.url) ? own(req, res) : forward(req, res));
}

function ownHandler(state: MachineState): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const running = () => {
    const current = state.config();
    if (current === undefined) throw new Error('the agent has no config yet');
    return current;
  };
  return connectNodeAdapter({
    readMaxBytes: MAX_MESSAGE_BYTES,
    routes: (router) =>
      router
        .service(ServerReflectionV1, { serverReflectionInfo: reflectionHandler(reflectionV1, SERVED) })
        .service(ServerReflectionV1Alpha, { serverReflectionInfo: reflectionHandler(reflectionV1Alpha, SERVED) })
        .service(ShellService, { shell: shellHandler({ shellNames: () => shellNames(state.config()?.config), note: state.note }) })
        .service(MachineRobotService, {
          resourceNames: () => new robotApi.ResourceNamesResponse({ resources: resourceNames(running().config) }),
          getMachineStatus: () => {
            const { config, since } = running();
            const lastUpdated = Timestamp.fromDate(since);
            return new robotApi.GetMachineStatusResponse({
              resources: resourceNames(config).map(
                (name) =>
                  new robotApi.ResourceStatus({ name, state: robotApi.ResourceStatus_State.READY, revision: config.revision, lastUpdated }),
              ),
              config: new robotApi.ConfigStatus({ revision: config.revision, lastUpdated }),
              state: robotApi.GetMachineStatusResponse_State.RUNNING,
            });
          },
          getVersion: () => new robotApi.GetVersionResponse({ platform: 'hangar-agent', version: state.version, apiVersion: '' }),
          getCloudMetadata: () => {
            const cloud = running().config.cloud;
            return new robotApi.GetCloudMetadataResponse({
              primaryOrgId: cloud?.primaryOrgId ?? '',
              locationId: cloud?.locationId ?? '',
              machineId: cloud?.machineId ?? '',
              machinePartId: cloud?.id ?? '',
              // Older clients read it.
              robotPartId: cloud?.id ?? '',
            });
          },
          getOperations: () => new robotApi.GetOperationsResponse({ operations: [] }),
        }),
  });
}
