/**
 * Issue 10, remote access. Two figures:
 *
 * 1. A relayed unary call — client → server (token check, authorization, relay) → tunnel → agent — against
 *    the same call straight to the agent's handler on a local port: the cost of reaching a machine through
 *    the server. The agent is the real one (`keepTunnel` + `machineApiHandler`), in this process.
 * 2. Resident memory per idle tunnel with 1,000 agents connected to one server (a `hangar server` child
 *    process, SQLite: a tunnel touches no database once open), against a bare node:http2 server child
 *    holding 1,000 idle HTTP/2 connections that ping as often. Both are read from /proc/<pid>/status, so
 *    the agents' side (in this process) is not counted.
 */
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { keepTunnel, machineApiHandler } from '@hangar/cli/agent';
import { AppClient, appRobotApi } from '@hangar/sdk';
import { spawnServer } from '@hangar/testing';
import { MachineRobotService } from '@hangar/wire';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineVersion, startHangar } from './hangar.js';
import { measureInterleaved, type Call } from './load.js';
import { createFleet } from './machine-fleet.js';
import type { BenchSuite } from './suite.js';

const relayed = 'ResourceNames relayed through server + tunnel vs straight to the agent';
const idle = 'memory per idle tunnel (1,000 agents)';
const AGENTS = 1_000;
const CONCURRENCY = 16;

const CONFIG = {
  components: Array.from({ length: 6 }, (_, i) => ({ name: `motor-${i}`, api: 'rdk:component:motor', model: 'rdk:builtin:gpio' })),
  services: [{ name: 'slam', api: 'rdk:service:slam', model: 'viam:slam:cartographer' }],
};

const quiet = () => undefined;

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Waits until the process's resident size stops moving (two readings 1 s apart within 1%), at most 10 s. */
async function settledRss(pid: number): Promise<number> {
  let last = rssBytes(pid);
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = rssBytes(pid);
    if (Math.abs(now - last) < last * 0.01) return now;
    last = now;
  }
  return last;
}

/** A bare node:http2 server in its own process, pinging each session as the server pings tunnels. */
const BARE_SERVER = `
const http2 = require('node:http2');
const server = http2.createServer(() => {});
server.on('session', (s) => { const t = setInterval(() => s.ping(() => {}), 10000); s.on('close', () => clearInterval(t)); });
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startBareServer(): Promise<{ pid: number; url: string; close(): void }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
    child.once('exit', (code) => reject(new Error(`the bare HTTP/2 server exited with ${String(code)}`)));
  });
  if (child.pid === undefined) throw new Error('the bare HTTP/2 server has no pid');
  return { pid: child.pid, url: `http://127.0.0.1:${port}`, close: () => child.kill('SIGKILL') };
}

async function runRelayed(ctx: Parameters<BenchSuite['run']>[0]): Promise<void> {
  await ctx.eachEngine(async (engine) => {
    ctx.note(`tunnels on ${engine}: one agent, its tunnel and a direct port`);
    const hangar = await startHangar(engine);
    const stop = new AbortController();
    const direct = http2.createServer();
    try {
      ctx.engineVersion(engine, await engineVersion(hangar.server.db.url));
      const [machine] = await createFleet(hangar.server.client, hangar.server.url, hangar.organizationId, 1, CONFIG);
      if (machine === undefined) throw new Error('no machine');
      const config = appRobotApi.RobotConfig.fromJson(CONFIG, { ignoreUnknownFields: true });
      const handler = machineApiHandler({ config: () => ({ config, since: new Date() }), version: 'bench', note: quiet });
      direct.on('request', handler);
      direct.on('session', (session) => {
        stop.signal.addEventListener('abort', () => session.destroy());
      });
      await new Promise<void>((r) => direct.listen(0, '127.0.0.1', r));
      const port = (direct.address() as { port: number }).port;
      void keepTunnel(
        { appAddress: hangar.server.url, token: () => machine.token, renewToken: () => Promise.resolve(), handler, note: quiet },
        stop.signal,
      );
      const viaServer = createClient(
        MachineRobotService,
        createGrpcTransport({
          baseUrl: hangar.server.url,
          httpVersion: '2',
          interceptors: [
            (next) => (req) => {
              req.header.set('authorization', `Bearer ${hangar.token}`);
              req.header.set('rpc-host', machine.partId);
              return next(req);
            },
          ],
        }),
      );
      const straight = createClient(MachineRobotService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: '2' }));
      for (let i = 0; ; i++) {
        const answer = await viaServer.resourceNames({}).catch(() => undefined);
        if (answer?.resources.length === CONFIG.components.length + CONFIG.services.length) break;
        if (i > 100) throw new Error('the tunnel did not open');
        await new Promise((r) => setTimeout(r, 100));
      }
      const calls: Record<'hangar' | 'baseline', Call> = {
        hangar: () => viaServer.resourceNames({}),
        baseline: () => straight.resourceNames({}),
      };
      const chosen: Partial<Record<'hangar' | 'baseline', Call>> = {};
      for (const target of ctx.config.targets) chosen[target] = calls[target];
      ctx.note(`  ${relayed} · ${engine} · gRPC h2c …`);
      const measured = await measureInterleaved(chosen as Record<'hangar' | 'baseline', Call>, { ...ctx.config, concurrency: CONCURRENCY });
      ctx.record({
        scenario: relayed,
        engine,
        protocol: 'gRPC h2c',
        hangar: measured.hangar,
        baseline: measured.baseline,
        baselineKind: "the agent's own handler on a local h2c port, no server in between",
        target: 0.5,
        concurrency: CONCURRENCY,
      });
    } finally {
      stop.abort();
      await new Promise<void>((r) => direct.close(() => r()));
      await hangar.close();
    }
  });
}

async function runIdle(ctx: Parameters<BenchSuite['run']>[0]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hangar-bench-tunnels-'));
  // Every agent connects from 127.0.0.1 here, beyond the default per-address limit of 1,000.
  const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', join(dir, 'data'), '--max-connections-per-address', '5000'];
  let server = await spawnServer(args);
  const stop = new AbortController();
  const sessions: http2.ClientHttp2Session[] = [];
  let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
  try {
    const admin = JSON.parse(await readFile(join(dir, 'data', 'initial-admin.json'), 'utf8')) as {
      organizationId: string;
      apiKeyId: string;
      apiKey: string;
    };
    const client = await AppClient.connect({
      url: server.url,
      credentials: { type: 'api-key', keyId: admin.apiKeyId, key: admin.apiKey },
    });
    ctx.note(`  ${idle}: creating ${AGENTS.toLocaleString('en')} machines`);
    const machines = await createFleet(client, server.url, admin.organizationId, AGENTS, CONFIG);
    // A fresh process on the same data (the machines' tokens stay valid), so that the garbage of creating the
    // fleet neither inflates the starting size nor shrinks under the tunnels.
    server.child.kill('SIGTERM');
    await server.exited;
    server = await spawnServer(args);
    const pid = server.child.pid;
    if (pid === undefined) throw new Error('the server has no pid');
    const serverUrl = server.url;
    const before = await settledRss(pid);
    ctx.note(`  ${idle}: opening the tunnels`);
    let open = 0;
    for (const m of machines) {
      void keepTunnel(
        {
          appAddress: serverUrl,
          token: () => m.token,
          renewToken: () => Promise.resolve(),
          handler: (_req, res) => res.end(),
          note: (level) => {
            if (level === 'info') open++;
          },
        },
        stop.signal,
      );
    }
    for (let i = 0; open < AGENTS; i++) {
      if (i > 600) throw new Error(`only ${open} of ${AGENTS} tunnels opened`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await settledRss(pid);

    bare = await startBareServer();
    const bareBefore = await settledRss(bare.pid);
    for (let i = 0; i < AGENTS; i++) {
      const session = http2.connect(bare.url);
      const pinger = setInterval(() => session.ping(() => undefined), 10_000);
      session.on('close', () => clearInterval(pinger));
      session.on('error', () => undefined);
      sessions.push(session);
    }
    await Promise.all(sessions.map((s) => new Promise((r) => (s.connecting ? s.once('connect', r) : r(undefined)))));
    const bareAfter = await settledRss(bare.pid);
    ctx.note(
      `  ${idle}: hangar ${Math.round(before / 2 ** 20)} → ${Math.round(after / 2 ** 20)} MiB, bare ${Math.round(bareBefore / 2 ** 20)} → ${Math.round(bareAfter / 2 ** 20)} MiB`,
    );
    ctx.footprint({
      scenario: idle,
      engine: 'sqlite',
      items: AGENTS,
      hangarBytesPerItem: (after - before) / AGENTS,
      baselineBytesPerItem: (bareAfter - bareBefore) / AGENTS,
      baselineKind: 'a bare node:http2 server process holding idle HTTP/2 connections that ping every 10 s',
    });
  } finally {
    stop.abort();
    for (const s of sessions) s.destroy();
    bare?.close();
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: 'tunnels',
  async run(ctx) {
    if (ctx.wants(relayed)) await runRelayed(ctx);
    if (ctx.wants(idle)) await runIdle(ctx);
  },
};
