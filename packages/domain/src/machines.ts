import { invalid } from './errors.js';
import { NAME_MAX } from './validate.js';
import type { Instant } from './entities.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
// An interface, not a Record, because the type refers to itself.
// eslint-disable-next-line @typescript-eslint/consistent-indexed-object-style
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A machine ("robot" on the wire). */
export interface Robot {
  readonly id: string;
  readonly name: string;
  readonly locationId: string;
  readonly createdAt: Instant;
  /** The latest time any of its parts talked to the server; null until one does. */
  readonly lastAccess: Instant | null;
}

export interface PartSecret {
  readonly id: string;
  readonly secret: string;
  readonly createdAt: Instant;
}

export interface RobotPart {
  readonly id: string;
  readonly name: string;
  /** The name as a DNS label; unique within the part's location. */
  readonly dnsName: string;
  readonly robotId: string;
  readonly locationId: string;
  readonly isMain: boolean;
  readonly config: JsonObject;
  readonly userSuppliedInfo: JsonObject | null;
  readonly needsRestart: boolean;
  readonly lastAccess: Instant | null;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  readonly secrets: readonly PartSecret[];
}

export interface Editor {
  readonly type: 'user' | 'api-key';
  readonly id: string;
}

export interface PartHistoryEntry {
  readonly id: string;
  readonly partId: string;
  readonly robotId: string;
  readonly at: Instant;
  /** The whole part as it was before the change. */
  readonly old: RobotPart;
  readonly editor: Editor;
}

/** A machine whose parts talked to the server this recently counts as online. */
export const ONLINE_WITHIN_SECONDS = 30;

export type OnlineStatus = 'online' | 'offline' | 'awaiting_setup';

export function onlineStatus(lastAccess: Instant | null, now: Date): { status: OnlineStatus; secondsSinceOnline: number } {
  if (lastAccess === null) return { status: 'awaiting_setup', secondsSinceOnline: 0 };
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(lastAccess)) / 1000));
  return { status: seconds <= ONLINE_WITHIN_SECONDS ? 'online' : 'offline', secondsSinceOnline: seconds };
}

/** A part's names on the network, as Viam forms them: `<part>.<location id>.<domain>`, and under `local.`. */
export const partFqdn = (dnsName: string, locationId: string, domain: string): string => `${dnsName}.${locationId}.${domain}`;
export const partLocalFqdn = (dnsName: string, locationId: string, domain: string): string => `${dnsName}.${locationId}.local.${domain}`;

/** Machine names leave room for the `-main` of their main part's name, which must fit NAME_MAX. */
export const MACHINE_NAME_MAX = NAME_MAX - '-main'.length;

/** The main part of a new machine is named after it, as in Viam. */
export const mainPartName = (machineName: string): string => `${machineName}-main`;

/** A part name as a DNS label: lowercase letters, digits and dashes. */
export function dnsLabel(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return label === '' ? 'part' : label.slice(0, 63);
}

export interface ConfigLimits {
  /** Bytes of the config as JSON. */
  readonly maxBytes: number;
  /** Levels of objects and lists inside it. */
  readonly maxDepth: number;
}

// The top-level keys of a machine config (RDK's config.Config) whose shape Hangar checks; any other key is
// kept exactly as sent.
const LIST_KEYS = ['components', 'services', 'modules', 'packages', 'processes', 'remotes', 'fragments', 'fragment_mods', 'jobs'] as const;
const OBJECT_KEYS = ['agent', 'network', 'auth', 'cloud', 'maintenance'] as const;

/** Validates a part config: a JSON object, bounded in size and depth, whose well-known keys have the right kind of value. */
export function parsePartConfig(value: JsonValue | undefined, limits: ConfigLimits, field = 'robot_config'): JsonObject {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${field} must be a JSON object, got ${kindOf(value)}`);
  // Depth first: everything after this (and every later read) may recurse.
  const depth = jsonDepth(value, limits.maxDepth);
  if (depth > limits.maxDepth) throw invalid(`${field} is nested more than ${limits.maxDepth} levels deep`);
  for (const key of LIST_KEYS) {
    const v = value[key];
    if (v !== undefined && v !== null && !Array.isArray(v)) throw invalid(`${field}.${key} must be a list, got ${kindOf(v)}`);
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (key !== 'fragments' && (typeof item !== 'object' || item === null || Array.isArray(item))) {
          throw invalid(`${field}.${key}[${i}] must be an object, got ${kindOf(item)}`);
        }
      });
    }
  }
  for (const key of OBJECT_KEYS) {
    const v = value[key];
    if (v !== undefined && v !== null && (typeof v !== 'object' || Array.isArray(v)))
      throw invalid(`${field}.${key} must be an object, got ${kindOf(v)}`);
  }
  if (value.debug !== undefined && value.debug !== null && typeof value.debug !== 'boolean') {
    throw invalid(`${field}.debug must be true or false, got ${kindOf(value.debug)}`);
  }
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > limits.maxBytes)
    throw invalid(`${field} is ${size} bytes; at most ${limits.maxBytes} bytes are accepted (--max-config-bytes)`);
  return value;
}

/** How deep objects and lists nest in a value (a flat object is 1), counted without recursion; stops past `limit`. */
export function jsonDepth(value: JsonValue, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [JsonValue, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function kindOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

/** JSON with object keys sorted at every level, so equal objects give equal text whatever their key order. */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key] ?? null);
  return sorted;
}
