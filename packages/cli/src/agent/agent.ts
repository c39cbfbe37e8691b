/**
 * `hangar agent`: what runs on a machine. It authenticates as its part, fetches its config at start and
 * every poll, keeps the last good config on disk and boots from it while the server is unreachable, asks
 * whether to restart, supervises the config's processes, downloads its registry modules (it does not run
 * them) and ships its own and their logs. Each change of state (connected, unreachable, config applied) is
 * logged once, on stderr and to the server.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { appRobotApi, commonApi, MachineClient, Timestamp } from '@hangar/sdk';
import { backoffMs, sleep } from './backoff.js';
import { readCloudFile } from './cloud-file.js';
import { createLogShipper, type ShippedEntry } from './log-shipper.js';
import { createForwarder } from './forward.js';
import { machineApiHandler } from './machine-api.js';
import { createModuleSync, registryPlatform, type ModuleSync } from './module-sync.js';
import { createDataSync, dataSyncSettings } from './data-sync.js';
import { createSupervisor, type ProcessSpec } from './supervisor.js';
import { keepTunnel } from './tunnel.js';

export interface AgentOptions {
  readonly configPath: string;
  readonly dataDir: string;
  readonly configPollMs: number;
  /** Exit with RESTART_EXIT_STATUS when the part is marked for restart, for a supervisor (systemd) to restart it. */
  readonly exitOnRestart: boolean;
  readonly version: string;
  /** A local viam-server (http://127.0.0.1:8080) that remote calls the agent does not serve itself go to. */
  readonly forward?: string | undefined;
  /** Where the agent's own log lines go on the machine (stderr). */
  readonly print: (line: string) => void;
}

/** `hangar agent` exits with this when told to restart with --exit-on-restart (systemd: Restart=on-failure). */
export const RESTART_EXIT_STATUS = 75;
/** Log entries kept on disk while the server is unreachable; beyond this the oldest are dropped. */
const SPOOL_ENTRIES = 50_000;
const DEFAULT_RESTART_CHECK_MS = 5_000;

const SIGNALS: Record<number, NodeJS.Signals> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  12: 'SIGUSR2',
  15: 'SIGTERM',
};

function processSpecs(config: appRobotApi.RobotConfig): ProcessSpec[] {
  return config.processes
    .filter((p) => p.id !== '' && p.name !== '')
    .map((p) => ({
      id: p.id,
      name: p.name,
      args: [...p.args],
      cwd: p.cwd,
      oneShot: p.oneShot,
      log: p.log,
      env: { ...p.env },
      stopSignal: SIGNALS[p.stopSignal] ?? 'SIGTERM',
      stopTimeoutMs:
        p.stopTimeout === undefined ? 10_000 : Number(p.stopTimeout.seconds) * 1000 + Math.floor(p.stopTimeout.nanos / 1e6) || 10_000,
    }));
}

function agentInfo(version: string): Partial<appRobotApi.AgentInfo> {
  const ips = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal)
    .map((i) => i.address);
  return {
    host: hostname(),
    os: process.platform,
    ips,
    version: `hangar-agent ${version}`,
    platform: `${process.platform}/${process.arch}`,
  };
}

function toLogEntry(e: ShippedEntry, host: string): commonApi.LogEntry {
  const seconds = Math.floor(e.timeUs / 1e6);
  return new commonApi.LogEntry({
    host,
    level: e.level,
    time: new Timestamp({ seconds: BigInt(seconds), nanos: (e.timeUs - seconds * 1e6) * 1000 }),
    loggerName: e.loggerName,
    message: e.message,
  });
}

/** Runs until `signal` aborts (exit status 0) or a restart asks it to exit (RESTART_EXIT_STATUS). */
export async function runAgent(options: AgentOptions, signal: AbortSignal): Promise<number> {
  const cloud = await readCloudFile(options.configPath);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const cachePath = join(options.dataDir, 'config.json');
  const host = hostname();
  let client: MachineClient | undefined;

  const shipper = createLogShipper({
    spoolPath: join(options.dataDir, 'logs.spool'),
    maxEntries: SPOOL_ENTRIES,
    send: async (entries, batch) => {
      if (client === undefined) throw new Error('not connected');
      await client.log(
        cloud.partId,
        entries.map((e) => toLogEntry(e, host)),
        batch,
      );
    },
  });
  const note = (level: 'info' | 'warn' | 'error', message: string) => {
    options.print(`${new Date().toISOString()} ${level.toUpperCase()} ${message}`);
    shipper.add({ timeUs: Date.now() * 1000, level, loggerName: 'hangar.agent', message });
  };
  const supervisor = createSupervisor({
    line: (processId, stream, text) => {
      shipper.add({ timeUs: Date.now() * 1000, level: stream === 'stderr' ? 'error' : 'info', loggerName: processId, message: text });
    },
    note,
  });

  let revision = '';
  let running: { config: appRobotApi.RobotConfig; since: Date } | undefined;
  const apply = async (config: appRobotApi.RobotConfig, source: string) => {
    if (config.revision === revision) return;
    revision = config.revision;
    running = { config, since: new Date() };
    await supervisor.apply(processSpecs(config));
    note('info', `running config revision ${revision || '(none)'} from ${source}: ${config.processes.length} process(es)`);
  };

  // Modules download beside the config poll, never inside it: a large archive must not hold up the next
  // poll. One sync at a time; a poll starts another when the revision moved on or the last one left a
  // package missing (it resumes where that one stopped).
  let modules: ModuleSync | undefined;
  let modulesRevision: string | undefined;
  let modulesIncomplete = false;
  let modulesSyncing: Promise<void> | undefined;
  const syncModules = (config: appRobotApi.RobotConfig) => {
    if (modules === undefined || modulesSyncing !== undefined) return;
    if (config.revision === modulesRevision && !modulesIncomplete) return;
    modulesSyncing = modules
      .sync(config, stop)
      .then(
        (results) => {
          modulesRevision = config.revision;
          modulesIncomplete = results.some((r) => r.outcome === 'failed');
        },
        (err: unknown) => {
          modulesIncomplete = true;
          // The errno code, not the message: fs messages carry paths.
          const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          if (!stopped()) note('error', `cannot update the config's modules (${why}); check the agent's data directory`);
        },
      )
      .finally(() => {
        modulesSyncing = undefined;
      });
  };

  let restartCheckMs = DEFAULT_RESTART_CHECK_MS;
  let exitStatus = 0;
  const stopAgent = new AbortController();
  const stop = AbortSignal.any([signal, stopAgent.signal]);
  // A function, not the property: the loops' conditions would otherwise narrow it to false for good.
  const stopped = () => stop.aborted;

  async function configLoop(): Promise<void> {
    let attempt = 0;
    let online: boolean | undefined;
    while (!stop.aborted) {
      try {
        client ??= await MachineClient.connect({ url: cloud.appAddress, credentials: cloud.credentials, protocol: 'grpc' });
        const connected = client;
        modules ??= createModuleSync({
          dataDir: options.dataDir,
          platform: registryPlatform(),
          getPackage: (req) => connected.getPackage(req),
          token: () => connected.accessToken,
          note,
        });
        const config = await client.config(cloud.partId, agentInfo(options.version));
        if (online !== true) note('info', `connected to ${cloud.appAddress} as part ${cloud.partId}`);
        online = true;
        attempt = 0;
        if (config.revision !== revision) {
          const temp = `${cachePath}.tmp`;
          await writeFile(temp, config.toJsonString(), { mode: 0o600 });
          await rename(temp, cachePath);
        }
        await apply(config, 'the server');
        syncModules(config);
        await sleep(options.configPollMs, stop);
      } catch (err) {
        if (stopped()) return;
        const wait = backoffMs(attempt++);
        if (online !== false)
          note('warn', `cannot reach ${cloud.appAddress}: ${(err as Error).message}; retrying with back-off (1 s to 30 s)`);
        if (online === undefined && revision === '') await bootFromCache();
        online = false;
        await sleep(wait, stop);
      }
    }
  }

  async function bootFromCache(): Promise<void> {
    let text: string;
    try {
      text = await readFile(cachePath, 'utf8');
    } catch {
      note('warn', 'no cached config yet: waiting for the server');
      return;
    }
    await apply(appRobotApi.RobotConfig.fromJsonString(text, { ignoreUnknownFields: true }), 'the cache');
  }

  async function restartLoop(): Promise<void> {
    while (!stop.aborted) {
      await sleep(restartCheckMs, stop);
      if (stopped() || client === undefined) continue;
      try {
        const answer = await client.needsRestart(cloud.partId);
        if (answer.checkIntervalMs !== undefined && answer.checkIntervalMs >= 1000) restartCheckMs = answer.checkIntervalMs;
        if (!answer.mustRestart) continue;
        if (options.exitOnRestart) {
          note('info', `the part was marked for restart: exiting with status ${RESTART_EXIT_STATUS} to be restarted`);
          exitStatus = RESTART_EXIT_STATUS;
          stopAgent.abort();
          return;
        }
        note('info', 'the part was marked for restart: restarting its processes');
        await supervisor.restartAll();
      } catch {
        // The config loop notices an unreachable server and says so once.
      }
    }
  }

  /** Captured files to the server, every sync interval of the running config's data manager. */
  async function dataLoop(): Promise<void> {
    let uploader: ReturnType<MachineClient['dataClient']> | undefined;
    const sync = createDataSync({
      partId: cloud.partId,
      dataDir: options.dataDir,
      data: () => (uploader ??= client?.dataClient()),
      note,
    });
    while (!stopped()) {
      const settings = running === undefined ? undefined : dataSyncSettings(running.config);
      if (settings !== undefined) {
        try {
          await sync.syncOnce(settings, stop);
        } catch (err) {
          const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          if (!stopped()) note('error', `data sync failed (${why}); check the capture directory and the agent's data directory`);
        }
      }
      await sleep(settings?.intervalMs ?? 1000, stop);
    }
  }

  /** Remote access through the server, once the agent has a token to open the tunnel with. */
  async function tunnelLoop(): Promise<void> {
    while (!stopped() && client === undefined) await sleep(200, stop);
    const connected = client;
    if (connected === undefined) return;
    const forwarder = options.forward === undefined ? undefined : createForwarder(options.forward, note);
    await keepTunnel(
      {
        appAddress: cloud.appAddress,
        token: () => connected.accessToken,
        renewToken: () => connected.renewToken(),
        handler: machineApiHandler({
          config: () => running,
          version: options.version,
          note,
          ...(forwarder !== undefined && { forward: (req, res) => forwarder.handle(req, res) }),
        }),
        note,
      },
      stop,
    );
    forwarder?.close();
  }

  await Promise.all([configLoop(), restartLoop(), tunnelLoop(), dataLoop()]);
  await modulesSyncing;
  note('info', 'stopping: ending processes and sending the last log entries');
  await supervisor.stopAll();
  await shipper.stop(3_000);
  return exitStatus;
}
