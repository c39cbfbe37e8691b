/**
 * `hangar agent`'s data sync: the files under the capture directory its config's data manager names
 * (`services[]` of api `rdk:service:data_manager`: `capture_dir`, `sync_interval_mins`, `tags`) are
 * uploaded with FileUpload, as viam-server uploads arbitrary files (the full local path as the file name),
 * then deleted locally. Files still being written (`.prog`, or changed in the last second) wait for the
 * next round. A failed upload is retried with back-off; a journal of what was acknowledged keeps a file
 * from being uploaded twice when the agent stops between the answer and the delete.
 */
import type { appRobotApi, DataClient } from '@hangar/sdk';
import { appendFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { backoffMs } from './backoff.js';

export const DATA_MANAGER_API = 'rdk:service:data_manager';
/** rdk's defaults. */
const DEFAULT_CAPTURE_DIR = join(homedir(), '.viam', 'capture');
const DEFAULT_SYNC_INTERVAL_MINS = 0.1;
const IN_PROGRESS = '.prog';
/** A file changed this recently may still be being written. */
const SETTLE_MS = 1000;

export interface DataSyncSettings {
  readonly captureDir: string;
  readonly intervalMs: number;
  readonly tags: string[];
}

/** The data manager's settings from the config, or undefined when it has none (or sync is disabled). */
export function dataSyncSettings(config: appRobotApi.RobotConfig): DataSyncSettings | undefined {
  const service = config.services.find((s) => s.api === DATA_MANAGER_API || (s.namespace === 'rdk' && s.type === 'data_manager'));
  if (service === undefined) return undefined;
  const attrs = (service.attributes?.toJson() ?? {}) as Record<string, unknown>;
  if (attrs.sync_disabled === true) return undefined;
  const dir = typeof attrs.capture_dir === 'string' && attrs.capture_dir !== '' ? attrs.capture_dir : DEFAULT_CAPTURE_DIR;
  const minutes =
    typeof attrs.sync_interval_mins === 'number' && attrs.sync_interval_mins > 0 ? attrs.sync_interval_mins : DEFAULT_SYNC_INTERVAL_MINS;
  const tags = Array.isArray(attrs.tags) ? attrs.tags.filter((t): t is string => typeof t === 'string') : [];
  return { captureDir: resolve(dir.replace(/^~(?=\/|$)/, homedir())), intervalMs: Math.max(100, minutes * 60_000), tags };
}

export interface DataSyncOptions {
  readonly partId: string;
  /** The agent's data directory: the journal lives there. */
  readonly dataDir: string;
  readonly data: () => DataClient | undefined;
  readonly note: (level: 'info' | 'warn' | 'error', message: string) => void;
  readonly now?: () => number;
}

interface Failure {
  readonly attempts: number;
  readonly retryAt: number;
}

async function* walk(dir: string): AsyncIterable<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else if (e.isFile()) yield path;
  }
}

export function createDataSync(options: DataSyncOptions) {
  const now = options.now ?? Date.now;
  const journalPath = join(options.dataDir, 'data-sync.journal');
  const failures = new Map<string, Failure>();
  let journal: Set<string> | undefined;
  const keyOf = (path: string, size: number, mtimeMs: number) => `${path}\u0000${size}\u0000${Math.round(mtimeMs)}`;

  async function loadJournal(): Promise<Set<string>> {
    if (journal !== undefined) return journal;
    const text = await readFile(journalPath, 'utf8').catch(() => '');
    journal = new Set(
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          try {
            const e = JSON.parse(l) as { path: string; size: number; mtimeMs: number };
            return keyOf(e.path, e.size, e.mtimeMs);
          } catch {
            return '';
          }
        }),
    );
    return journal;
  }

  /** One pass over the capture directory; returns how many files were uploaded. */
  async function syncOnce(settings: DataSyncSettings, signal: AbortSignal): Promise<number> {
    const client = options.data();
    if (client === undefined) return 0;
    const done = await loadJournal();
    let uploaded = 0;
    for await (const path of walk(settings.captureDir)) {
      if (signal.aborted) break;
      if (path.endsWith(IN_PROGRESS)) continue;
      const s = await stat(path).catch(() => undefined);
      if (s === undefined || now() - s.mtimeMs < SETTLE_MS) continue;
      const key = keyOf(path, s.size, s.mtimeMs);
      if (done.has(key)) {
        // Acknowledged before, not yet deleted (the agent stopped in between): never upload it again.
        await rm(path, { force: true });
        continue;
      }
      const failed = failures.get(path);
      if (failed !== undefined && failed.retryAt > now()) continue;
      try {
        const id = await client.fileUploadFromPath(path, options.partId, { fileName: path, tags: settings.tags });
        await appendFile(journalPath, JSON.stringify({ path, size: s.size, mtimeMs: Math.round(s.mtimeMs), id }) + '\n', { mode: 0o600 });
        done.add(key);
        await rm(path, { force: true });
        failures.delete(path);
        uploaded++;
      } catch (err) {
        const attempts = (failed?.attempts ?? 0) + 1;
        const wait = backoffMs(attempts, 1000, 5 * 60_000);
        failures.set(path, { attempts, retryAt: now() + wait });
        if (attempts === 1 || attempts % 10 === 0)
          options.note(
            'warn',
            `uploading captured file ${path} failed (${(err as Error).message}); retrying in ${Math.round(wait / 1000)} s`,
          );
      }
    }
    if (uploaded > 0) options.note('info', `data sync: uploaded ${uploaded} file(s) from ${settings.captureDir}`);
    return uploaded;
  }

  return { syncOnce };
}
