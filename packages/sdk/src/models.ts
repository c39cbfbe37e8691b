/**
 * The Python SDK wraps a few messages in friendlier classes (RobotPart, RobotPartHistoryEntry) whose
 * configs are plain mappings and whose times are datetimes; these are their TypeScript twins. The
 * message itself stays reachable as `proto`.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import type { appApi } from '@hangar/wire';

export interface RobotPart {
  readonly id: string;
  readonly name: string;
  readonly dnsName: string;
  /** The first of `secrets` (deprecated on the wire, kept for old clients). */
  readonly secret: string;
  readonly robot: string;
  readonly locationId: string;
  readonly robotConfig: JsonObject;
  readonly lastAccess: Date | undefined;
  readonly userSuppliedInfo: JsonObject | undefined;
  readonly mainPart: boolean;
  readonly fqdn: string;
  readonly localFqdn: string;
  readonly createdOn: Date | undefined;
  readonly secrets: appApi.SharedSecret[];
  readonly proto: appApi.RobotPart;
}

export interface RobotPartHistoryEntry {
  readonly part: string;
  readonly robot: string;
  readonly when: Date | undefined;
  readonly old: RobotPart | undefined;
  /** Who made the change: `type` AUTHENTICATION_TYPE_WEB_OAUTH (a user) or _API_KEY, `value` their id. */
  readonly editedBy: appApi.AuthenticatorInfo | undefined;
  readonly proto: appApi.RobotPartHistoryEntry;
}

export function robotPartFromProto(p: appApi.RobotPart): RobotPart {
  return {
    id: p.id,
    name: p.name,
    dnsName: p.dnsName,
    secret: p.secret,
    robot: p.robot,
    locationId: p.locationId,
    robotConfig: (p.robotConfig?.toJson() ?? {}) as JsonObject,
    lastAccess: p.lastAccess?.toDate(),
    userSuppliedInfo: p.userSuppliedInfo?.toJson() as JsonObject | undefined,
    mainPart: p.mainPart,
    fqdn: p.fqdn,
    localFqdn: p.localFqdn,
    createdOn: p.createdOn?.toDate(),
    secrets: p.secrets,
    proto: p,
  };
}

export function historyEntryFromProto(e: appApi.RobotPartHistoryEntry): RobotPartHistoryEntry {
  return {
    part: e.part,
    robot: e.robot,
    when: e.when?.toDate(),
    old: e.old && robotPartFromProto(e.old),
    editedBy: e.editedBy,
    proto: e,
  };
}
