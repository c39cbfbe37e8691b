/**
 * Log fixtures: a machine's own API key and the client it sends logs with, entries built the way
 * viam-server builds them, and the server's live-tail count (read from /metrics) to wait on, since a tail
 * gives no sign of being open until its first entry.
 */
import { Struct, Timestamp, type JsonObject, type PartialMessage } from '@bufbuild/protobuf';
import { MachineClient, type AppClient, type commonApi } from '@hangar/sdk';
import { newKey, type ApiKeyCredentials } from './seed.js';
import type { TestServer } from './server.js';

/** An API key with a role on the machine itself: what a machine writes its logs with today. */
export async function machineKey(
  owner: AppClient,
  orgId: string,
  robotId: string,
  role: 'owner' | 'operator' = 'operator',
): Promise<ApiKeyCredentials> {
  return newKey(owner, orgId, { role, resourceType: 'robot', resourceId: robotId });
}

export function machineClient(s: TestServer, key: ApiKeyCredentials): Promise<MachineClient> {
  return MachineClient.connect({ url: s.url, credentials: { type: 'api-key', keyId: key.id, key: key.key } });
}

export interface EntryInit {
  readonly message: string;
  readonly level?: string;
  /** Microseconds since the epoch (default: now), plus optional nanoseconds beyond. */
  readonly timeUs?: number;
  readonly extraNanos?: number;
  readonly loggerName?: string;
  readonly host?: string;
  readonly caller?: JsonObject;
  readonly stack?: string;
  readonly fields?: JsonObject[];
}

export function timestampOfUs(timeUs: number, extraNanos = 0): Timestamp {
  const seconds = Math.floor(timeUs / 1_000_000);
  return new Timestamp({ seconds: BigInt(seconds), nanos: (timeUs - seconds * 1_000_000) * 1000 + extraNanos });
}

/** A LogEntry as viam-server sends one (zap: lower-case level, caller with File/Line/Defined/Function). */
export function entry(init: EntryInit): PartialMessage<commonApi.LogEntry> {
  return {
    host: init.host ?? 'rover.local',
    level: init.level ?? 'info',
    time: timestampOfUs(init.timeUs ?? Date.now() * 1000, init.extraNanos ?? 0),
    loggerName: init.loggerName ?? 'rdk.resource_manager',
    message: init.message,
    caller: Struct.fromJson(
      init.caller ?? { Defined: true, File: 'resource/manager.go', Line: 312, Function: 'rdk.(*manager).reconfigure' },
    ),
    stack: init.stack ?? '',
    fields: (init.fields ?? []).map((f) => Struct.fromJson(f)),
  };
}

/** One metric's value from the server's /metrics page (the sum over label sets matching `labels`). */
export async function metricValue(s: TestServer, name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
  const res = await fetch(`${s.url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const set = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

export const activeTails = (s: TestServer): Promise<number> => metricValue(s, 'hangar_log_tails_active');

/** Waits until the server holds exactly `n` live tails (they open and close asynchronously). */
export async function waitForTails(s: TestServer, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await activeTails(s);
    if (now === n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} live tails on the server, still ${now} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until a tail's collected entries number at least `n` (10 s at most). */
export async function tailReceived(got: readonly unknown[], n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (got.length < n) {
    if (Date.now() > deadline) throw new Error(`the tail received ${got.length} entries, expected ${n}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
