import { Struct, type PartialMessage } from '@bufbuild/protobuf';
import { onlineStatus, partFqdn, partLocalFqdn, type JsonObject, type PartHistoryEntry, type RobotPart } from '@hangar/domain';
import { appApi } from '@hangar/wire';
import { ONLINE_STATE } from '../robots/robots.convert.js';
import { optionalTimestamp, timestamp } from '../rpc/convert.js';
import type { PartUpdate } from './parts.service.js';

export interface PartView {
  /** The DNS domain parts are addressed under (`--machine-domain`). */
  readonly machineDomain: string;
  readonly now: Date;
  /** Whether the caller may see the part's secrets (may change the machine). */
  readonly showSecrets: boolean;
}

/**
 * Fills RobotPart as Viam does: `fqdn` is `<part>.<location id>.<domain>` and `local_fqdn` the same under
 * `local.`; `secret` repeats the first of `secrets`; `robot_config` is always set, even when empty, or the
 * Python SDK reads it as None.
 */
export function partToProto(part: RobotPart, view: PartView): PartialMessage<appApi.RobotPart> {
  const { dnsName } = part;
  const { status, secondsSinceOnline } = onlineStatus(part.lastAccess, view.now);
  const lastAccess = optionalTimestamp(part.lastAccess);
  return {
    id: part.id,
    name: part.name,
    dnsName,
    secret: view.showSecrets ? (part.secrets[0]?.secret ?? '') : '',
    robot: part.robotId,
    locationId: part.locationId,
    robotConfig: Struct.fromJson(part.config),
    ...(lastAccess !== undefined && { lastAccess }),
    ...(part.userSuppliedInfo !== null && { userSuppliedInfo: Struct.fromJson(part.userSuppliedInfo) }),
    mainPart: part.isMain,
    fqdn: partFqdn(dnsName, part.locationId, view.machineDomain),
    localFqdn: partLocalFqdn(dnsName, part.locationId, view.machineDomain),
    createdOn: timestamp(part.createdAt),
    secrets: (view.showSecrets ? part.secrets : []).map((s) => ({
      id: s.id,
      secret: s.secret,
      createdOn: timestamp(s.createdAt),
      state: appApi.SharedSecret_State.ENABLED,
    })),
    lastUpdated: timestamp(part.updatedAt),
    onlineState: ONLINE_STATE[status],
    secondsSinceOnline: BigInt(secondsSinceOnline),
  };
}

/** The config as JSON text, for GetRobotPartResponse.config_json: the same object as `robot_config`. */
export function configJson(part: RobotPart): string {
  return JSON.stringify(part.config);
}

export function historyEntryToProto(entry: PartHistoryEntry, view: PartView): PartialMessage<appApi.RobotPartHistoryEntry> {
  return {
    part: entry.partId,
    robot: entry.robotId,
    when: timestamp(entry.at),
    old: partToProto(entry.old, view),
    editedBy: {
      type: entry.editor.type === 'api-key' ? appApi.AuthenticationType.API_KEY : appApi.AuthenticationType.WEB_OAUTH,
      value: entry.editor.id,
      isDeactivated: false,
    },
  };
}

export function parsePartUpdate(req: appApi.UpdateRobotPartRequest): PartUpdate {
  return {
    name: req.name,
    ...(req.robotConfig !== undefined && { config: req.robotConfig.toJson() as JsonObject }),
    ...(req.lastKnownUpdate !== undefined && { lastKnownUpdate: req.lastKnownUpdate.toDate() }),
  };
}
