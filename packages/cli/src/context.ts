/**
 * What every command gets: the process's streams and environment (read here and nowhere else), the
 * credentials store, and per invocation the global flags, an Output and a signed-in AppClient. The SDK is
 * imported on first use only, so `hangar --help` never loads it.
 */
import type { Command } from 'commander';
import type { AppClient } from '@hangar/sdk';
import { createConfigStore, type ConfigStore, type StoredSession } from './config-store.js';
import { usageError } from './errors.js';
import { createOutput, type Output } from './output.js';
import type { Terminal } from './prompt.js';
import { loadSdk, type Sdk } from './sdk.js';
import { requireSession } from './session.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export type Env = Readonly<Record<string, string | undefined>>;

export interface GlobalOptions {
  readonly server?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

export interface ServerChoice {
  readonly url: string;
  /** Where the URL came from, for --debug and for messages. */
  readonly source: '--server' | 'HANGAR_URL' | 'login' | 'default' | 'invite link';
}

/** Filled in as a command runs, so the error reporter can tailor its hints. */
export interface RunState {
  command?: Command;
  server?: ServerChoice;
  session?: StoredSession;
  json?: boolean;
  debug?: boolean;
}

export interface Ctx {
  readonly version: string;
  readonly env: Env;
  readonly home: string;
  readonly config: ConfigStore;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly state: RunState;
  now(): Date;
  /** `hangar server` handles SIGINT itself (to drain requests); other commands exit 130 at once. */
  releaseInterrupt(): void;
  /**
   * Ctrl-C calls `handler` instead of exiting 130 (a log tail ends cleanly with 0), until the returned
   * function is called; a second Ctrl-C while the handler is in place still exits 130.
   */
  onInterrupt(handler: () => void): () => void;
  invocation(cmd: Command): Invocation;
}

export interface Invocation {
  readonly json: boolean;
  readonly debug: boolean;
  readonly out: Output;
  readonly term: Terminal;
  /** A line on stderr under --debug / HANGAR_DEBUG=1. */
  log(message: string): void;
  server(): Promise<ServerChoice>;
  sdk(): Promise<Sdk>;
  /** The stored session for this server; throws "not signed in" (exit 4) if there is none or it expired. */
  session(): Promise<StoredSession>;
  /** An AppClient using the stored session's access token. */
  client(): Promise<AppClient>;
}

export interface CtxOptions {
  readonly version: string;
  readonly env: Env;
  readonly home: string;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly now: () => Date;
  readonly releaseInterrupt: () => void;
  readonly onInterrupt: (handler: () => void) => () => void;
}

export function createContext(options: CtxOptions): Ctx {
  const config = createConfigStore(options.home);
  const state: RunState = {};
  const ctx: Ctx = {
    ...options,
    config,
    state,
    invocation(cmd) {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const json = globals.json === true;
      const debug = globals.debug === true || isDebugEnv(options.env);
      state.command = cmd;
      state.json = json;
      state.debug = debug;
      const out = createOutput({ json, stdout: options.stdout, stderr: options.stderr, now: options.now });
      const log = (message: string) => {
        if (debug) options.stderr.write(`debug: ${message}\n`);
      };
      let server: Promise<ServerChoice> | undefined;
      const inv: Invocation = {
        json,
        debug,
        out,
        term: { stdin: options.stdin, stderr: options.stderr },
        log,
        server() {
          server ??= chooseServer(globals.server, options.env, config).then((choice) => {
            state.server = choice;
            log(`server ${choice.url} (from ${choice.source}); credentials in ${config.path}`);
            return choice;
          });
          return server;
        },
        sdk: loadSdk,
        async session() {
          const session = requireSession(await inv.server(), await config.read(), options.now());
          state.session = session;
          return session;
        },
        async client() {
          const session = await inv.session();
          const { AppClient } = await loadSdk();
          return AppClient.connect({ url: session.server, credentials: { type: 'access-token', token: session.accessToken } });
        },
      };
      return inv;
    },
  };
  return ctx;
}

export function isDebugEnv(env: Env): boolean {
  const v = env.HANGAR_DEBUG;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** --server, then HANGAR_URL, then the server of the last login, then the default. */
async function chooseServer(flag: string | undefined, env: Env, config: ConfigStore): Promise<ServerChoice> {
  if (flag !== undefined) return { url: normalizeServerUrl(flag, '--server'), source: '--server' };
  const fromEnv = env.HANGAR_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { url: normalizeServerUrl(fromEnv, 'HANGAR_URL'), source: 'HANGAR_URL' };
  const stored = (await config.read()).server;
  if (stored !== undefined) return { url: normalizeServerUrl(stored, config.path), source: 'login' };
  return { url: DEFAULT_SERVER, source: 'default' };
}

/** `host:8080` → `http://host:8080`; no trailing slash, so stored and given URLs compare equal. */
export function normalizeServerUrl(raw: string, from: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError(
      `${from}: expected a server URL such as ${DEFAULT_SERVER}, got ${JSON.stringify(raw)}`,
      'pass --server <url> or set HANGAR_URL',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${from}: expected an http:// or https:// URL, got ${JSON.stringify(raw)}`, 'pass --server <url> or set HANGAR_URL');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
