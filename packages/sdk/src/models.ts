/**
 * The Python SDK wraps a few messages in friendlier classes (RobotPart, RobotPartHistoryEntry) whose
 * configs are plain mappings and whose times are datetimes; these are their TypeScript twins. The
 * message itself stays reachable as `proto`.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import { appApi, type commonApi } from '@hangar/wire';

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
  /** Marked for restart and not yet told (a Hangar server says so on getRobotPart; undefined elsewhere). */
  readonly restartPending?: boolean;
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

/** The Python SDK's Fragment.Visibility. */
export type FragmentVisibility = 'private' | 'public' | 'public_unlisted' | 'unspecified';

const VISIBILITY_NAMES: Record<number, FragmentVisibility> = { 0: 'unspecified', 1: 'private', 2: 'public', 3: 'public_unlisted' };
export const VISIBILITY_CODES: Record<FragmentVisibility, appApi.FragmentVisibility> = {
  unspecified: appApi.FragmentVisibility.UNSPECIFIED,
  private: appApi.FragmentVisibility.PRIVATE,
  public: appApi.FragmentVisibility.PUBLIC,
  public_unlisted: appApi.FragmentVisibility.PUBLIC_UNLISTED,
};

export interface Fragment {
  readonly id: string;
  readonly name: string;
  readonly fragment: JsonObject;
  readonly organizationOwner: string;
  readonly public: boolean;
  readonly createdOn: Date | undefined;
  readonly organizationName: string;
  readonly robotPartCount: number;
  readonly organizationCount: number;
  readonly onlyUsedByOwner: boolean;
  readonly visibility: FragmentVisibility;
  readonly lastUpdated: Date | undefined;
  /** Increments with every update; `{id, version}` in a part's `fragments` pins one. */
  readonly revision: string;
  readonly proto: appApi.Fragment;
}

export interface FragmentHistoryEntry {
  readonly fragment: string;
  readonly editedOn: Date | undefined;
  /** The fragment as it was before the edit. */
  readonly old: Fragment | undefined;
  readonly editedBy: appApi.AuthenticatorInfo | undefined;
  readonly proto: appApi.FragmentHistoryEntry;
}

export function fragmentFromProto(f: appApi.Fragment): Fragment {
  return {
    id: f.id,
    name: f.name,
    fragment: (f.fragment?.toJson() ?? {}) as JsonObject,
    organizationOwner: f.organizationOwner,
    public: f.public,
    createdOn: f.createdOn?.toDate(),
    organizationName: f.organizationName,
    robotPartCount: f.robotPartCount,
    organizationCount: f.organizationCount,
    onlyUsedByOwner: f.onlyUsedByOwner,
    visibility: VISIBILITY_NAMES[f.visibility] ?? 'unspecified',
    lastUpdated: f.lastUpdated?.toDate(),
    revision: f.revision,
    proto: f,
  };
}

export function fragmentHistoryEntryFromProto(e: appApi.FragmentHistoryEntry): FragmentHistoryEntry {
  return { fragment: e.fragment, editedOn: e.editedOn?.toDate(), old: e.old && fragmentFromProto(e.old), editedBy: e.editedBy, proto: e };
}

/** The Python SDK's LogEntry: a viam.common.v1.LogEntry with plain mappings and a datetime. */
export interface LogEntry {
  readonly host: string;
  readonly level: string;
  /** The machine's time (to the millisecond: a Date holds no more). */
  readonly time: Date | undefined;
  /** The same instant as RFC 3339 UTC with every digit the machine sent, e.g. `2026-12-01T10:00:00.123456Z`. */
  readonly timestamp: string | undefined;
  readonly loggerName: string;
  readonly message: string;
  readonly caller: JsonObject | undefined;
  readonly stack: string;
  readonly fields: JsonObject[];
  readonly proto: commonApi.LogEntry;
}

/** RFC 3339 with the fraction the timestamp carries (none, milli, micro or nano digits). */
export function timestampText(t: { seconds: bigint; nanos: number }): string {
  const whole = new Date(Number(t.seconds) * 1000).toISOString().slice(0, 19);
  if (t.nanos === 0) return `${whole}Z`;
  const digits = String(t.nanos).padStart(9, '0');
  const fraction = digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits;
  return `${whole}.${fraction}Z`;
}

export function logEntryFromProto(e: commonApi.LogEntry): LogEntry {
  return {
    host: e.host,
    level: e.level,
    time: e.time?.toDate(),
    timestamp: e.time === undefined ? undefined : timestampText(e.time),
    loggerName: e.loggerName,
    message: e.message,
    caller: e.caller?.toJson() as JsonObject | undefined,
    stack: e.stack,
    fields: e.fields.map((f) => f.toJson() as JsonObject),
    proto: e,
  };
}
