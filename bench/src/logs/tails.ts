/**
 * Live tails: 1,000 TailRobotPartLogs streams (errors_only false) on one part, over HTTP/2 (gRPC, 50 to a
 * connection), while the machine logs 50 entries a second in Log calls every 100 ms. Latency is from just
 * before the machine sends a call to when a tail has the message with its entries, over every delivery
 * (one call's entries reaching one tail). The tails' client side runs on a worker thread (tail-worker.ts),
 * so the main thread holds the servers and the machine, and its busy time per delivery is the servers'
 * cost of a delivery.
 *
 * The baseline is a bare connect-node server on the same thread with a RobotService.Log handler that hands
 * each call's entries, as one message encoded once, to 1,000 server-streaming handlers: the same machine
 * client, calls, messages and tail clients, without authentication, storage or Hangar's tail hub.
 *
 * Twice: with tails that accept no compression (browsers, the Python SDK) and with tails that accept gzip
 * as every connect-node client does by default, the SDK's AppClient among them.
 */
import type { BinaryWriteOptions } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { MachineClient } from '@hangar/sdk';
import { activeTails, machineKey, waitForTails, type TestEngine } from '@hangar/testing';
import { appApi, AppService, RobotService } from '@hangar/wire';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startBaselineRoutes } from '../baseline.js';
import type { HangarUnderTest } from '../hangar.js';
import type { RunStats } from '../load.js';
import type { BenchContext } from '../suite.js';
import { sequencedEntries } from './entries.js';
import { summarise, windowStats } from './measure.js';
import { monoMs, type FromWorker, type ToWorker } from './tail-protocol.js';

export const TAILS = 1000;
/** Tails per HTTP/2 connection, below the server's 100 concurrent streams a connection. */
const TAILS_PER_CONNECTION = 50;
const CALL_EVERY_MS = 100;
const ENTRIES_PER_CALL = 5;
const P99_TARGET_MS = 100;
const DELIVERY_TIMEOUT_MS = 20_000;

export type TailEncoding = 'identity' | 'gzip';
export const TAIL_ENCODINGS: readonly TailEncoding[] = ['identity', 'gzip'];

export const tailScenario = (encoding: TailEncoding) =>
  `TailRobotPartLogs (${TAILS.toLocaleString('en')} tails, ${(ENTRIES_PER_CALL * 1000) / CALL_EVERY_MS} entries/s, ${encoding === 'gzip' ? 'tails accept gzip' : 'no compression'}; deliveries/s, server-thread µs per delivery)`;

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Collected {
  readonly delivered: number;
  readonly lastAt: number;
  readonly latencies: Float64Array;
}

/** The worker thread that holds every tail's client side. */
class TailClients {
  private readonly worker = new Worker(new URL('./tail-worker.js', import.meta.url));
  private readonly failures = new Map<string, string>();
  private readonly waiting = new Map<string, { resolve: (c: Collected) => void; reject: (err: Error) => void }>();
  private opened: ((side: string) => void) | undefined;
  private closed: (() => void) | undefined;

  constructor() {
    this.worker.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'opened':
          this.opened?.(m.side);
          return;
        case 'collected':
          this.waiting.get(m.side)?.resolve(m);
          this.waiting.delete(m.side);
          return;
        case 'failed':
          this.failures.set(m.side, m.message);
          this.waiting.get(m.side)?.reject(new Error(`${m.side} tails: ${m.message}`));
          this.waiting.delete(m.side);
          return;
        case 'closed':
          this.closed?.();
          return;
      }
    });
    this.worker.on('error', (err) => {
      for (const [side, w] of this.waiting) w.reject(new Error(`${side} tails: the worker failed: ${err.message}`));
      this.waiting.clear();
      this.failures.set('*', err.message);
    });
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  async open(message: Omit<Extract<ToWorker, { type: 'open' }>, 'type'>): Promise<void> {
    await new Promise<void>((resolve) => {
      this.opened = (side) => {
        if (side === message.side) resolve();
      };
      this.post({ type: 'open', ...message });
    });
    this.opened = undefined;
  }

  reset(side: string): void {
    this.post({ type: 'reset', side });
  }

  collect(side: string, expected: number): Promise<Collected> {
    const failure = this.failures.get(side) ?? this.failures.get('*');
    if (failure !== undefined) return Promise.reject(new Error(`${side} tails: ${failure}`));
    return new Promise((resolve, reject) => {
      this.waiting.set(side, { resolve, reject });
      this.post({ type: 'collect', side, expected, timeoutMs: DELIVERY_TIMEOUT_MS });
    });
  }

  async close(): Promise<void> {
    await Promise.race([
      new Promise<void>((resolve) => {
        this.closed = resolve;
        this.post({ type: 'close' });
      }),
      sleep(5_000),
    ]);
    await this.worker.terminate();
  }
}

interface TailSide {
  readonly name: 'hangar' | 'baseline';
  readonly machine: MachineClient;
  readonly partId: string;
  seq: number;
  delivered: number;
}

interface Window {
  readonly stats: RunStats;
  /** CPU of the whole process (every thread) per delivery, µs. */
  readonly processCpuUs: number;
}

/**
 * The machine logs for `seconds` (a call every 100 ms on a fixed schedule, not waiting for answers), then
 * every call is awaited at every tail. Busy time is the main thread's (servers and machine) from the first
 * call to the last delivery.
 */
async function window(clients: TailClients, side: TailSide, seconds: number): Promise<Window> {
  const calls = Math.max(1, Math.round((seconds * 1000) / CALL_EVERY_MS));
  clients.reset(side.name);
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = monoMs();
  const answered: Promise<void>[] = [];
  for (let i = 0; i < calls; i++) {
    const seq = ++side.seq;
    answered.push(side.machine.log(side.partId, sequencedEntries(seq, ENTRIES_PER_CALL, nowUs(), monoMs())));
    await sleep(started + (i + 1) * CALL_EVERY_MS - monoMs());
  }
  await Promise.all(answered);
  const got = await clients.collect(side.name, side.delivered + calls * TAILS);
  const busy = performance.eventLoopUtilization(elu);
  const used = process.cpuUsage(cpu);
  const delivered = got.delivered - side.delivered;
  side.delivered = got.delivered;
  return {
    stats: windowStats(Array.from(got.latencies), (got.lastAt - started) / 1000, busy.active * 1000),
    processCpuUs: (used.user + used.system) / delivered,
  };
}

/** A tail message whose encoding is made once and reused for every stream, as Hangar's own tails do. */
class EncodedOnce extends appApi.TailRobotPartLogsResponse {
  private binary: Uint8Array | undefined;
  override toBinary(options?: Partial<BinaryWriteOptions>): Uint8Array {
    return (this.binary ??= super.toBinary(options));
  }
}

interface Stream {
  readonly queue: appApi.TailRobotPartLogsResponse[];
  wake: (() => void) | undefined;
}

/** The bare server: Log hands the call's entries to every open stream; nothing is checked or stored. */
async function startTailBaseline() {
  const streams = new Set<Stream>();
  const app: Partial<ServiceImpl<typeof AppService>> = {
    async *tailRobotPartLogs(_req, context) {
      const stream: Stream = { queue: [], wake: undefined };
      streams.add(stream);
      const onAbort = () => stream.wake?.();
      context.signal.addEventListener('abort', onAbort);
      try {
        while (!context.signal.aborted) {
          const next = stream.queue.shift();
          if (next !== undefined) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => {
            stream.wake = resolve;
          });
          stream.wake = undefined;
        }
      } finally {
        context.signal.removeEventListener('abort', onAbort);
        streams.delete(stream);
      }
    },
  };
  const server = await startBaselineRoutes((router) => {
    router.service(AppService, app);
    router.service(RobotService, {
      log(req) {
        const message = new EncodedOnce({ logs: req.logs });
        for (const s of streams) {
          s.queue.push(message);
          s.wake?.();
        }
        return {};
      },
    });
  });
  return { server, open: () => streams.size };
}

export async function benchTails(ctx: BenchContext, engine: TestEngine, hangar: HangarUnderTest): Promise<void> {
  for (const encoding of TAIL_ENCODINGS) if (ctx.wants(tailScenario(encoding))) await benchTailsWith(ctx, engine, hangar, encoding);
}

async function benchTailsWith(ctx: BenchContext, engine: TestEngine, hangar: HangarUnderTest, encoding: TailEncoding): Promise<void> {
  const name = tailScenario(encoding);
  const { server, organizationId, token } = hangar;
  const admin = server.client;
  const location = await admin.createLocation(organizationId, `Tails ${encoding}`);
  const robotId = await admin.newRobot('tailed', location.id);
  const [part] = await admin.getRobotParts(robotId);
  if (part === undefined) throw new Error('a new machine has no main part');
  const key = await machineKey(admin, organizationId, robotId);
  const baseline = await startTailBaseline();
  const clients = new TailClients();
  try {
    const sides = {
      hangar: {
        name: 'hangar',
        machine: await MachineClient.connect({
          url: server.url,
          credentials: { type: 'api-key', keyId: key.id, key: key.key },
          protocol: 'grpc',
        }),
        partId: part.id,
        seq: 0,
        delivered: 0,
      },
      baseline: {
        name: 'baseline',
        machine: await MachineClient.connect({
          url: baseline.server.url,
          credentials: { type: 'access-token', token: 'baseline' },
          protocol: 'grpc',
        }),
        partId: part.id,
        seq: 0,
        delivered: 0,
      },
    } satisfies Record<string, TailSide>;
    ctx.note(`  ${name} · ${engine} · gRPC h2c: opening ${TAILS.toLocaleString('en')} tails on each side …`);
    const common = { partId: part.id, tails: TAILS, perConnection: TAILS_PER_CONNECTION, encoding };
    const tailsBefore = await activeTails(server);
    await clients.open({ side: 'hangar', url: server.url, token, ...common });
    await clients.open({ side: 'baseline', url: baseline.server.url, token: 'baseline', ...common });
    await waitForTails(server, tailsBefore + TAILS, 30_000);
    for (let waited = 0; baseline.open() < TAILS; waited += 20) {
      if (waited > 30_000) throw new Error(`only ${baseline.open()} of ${TAILS} baseline tails opened`);
      await sleep(20);
    }

    const seconds = ctx.config.quick ? Math.max(0.3, ctx.config.seconds) : Math.max(2, ctx.config.seconds);
    const keys = ctx.config.targets;
    for (const key of keys) await window(clients, sides[key], Math.max(ctx.config.quick ? 0.3 : 1, ctx.config.warmupSeconds));
    const runs = { hangar: [] as Window[], baseline: [] as Window[] };
    for (let i = 0; i < ctx.config.runs; i++) {
      for (const key of i % 2 === 0 ? keys : [...keys].reverse()) runs[key].push(await window(clients, sides[key], seconds));
    }
    const measure = (list: Window[]) => (list.length === 0 ? undefined : summarise(list.map((w) => w.stats)));
    const measured = { hangar: measure(runs.hangar), baseline: measure(runs.baseline) };
    const processCpu = (list: Window[]) =>
      list.length === 0 ? '—' : `${summarise(list.map((w) => ({ ...w.stats, cpuUsPerCall: w.processCpuUs }))).cpuUsPerCall.toFixed(1)} µs`;
    ctx.note(
      `    per delivery, server thread: Hangar ${measured.hangar?.cpuUsPerCall.toFixed(1) ?? '—'} µs, bare handler ${measured.baseline?.cpuUsPerCall.toFixed(1) ?? '—'} µs; ` +
        `whole process (with the tails' clients): ${processCpu(runs.hangar)} and ${processCpu(runs.baseline)}`,
    );
    ctx.record({
      scenario: name,
      engine,
      protocol: 'gRPC h2c',
      hangar: measured.hangar,
      baseline: measured.baseline,
      baselineKind: `bare connect-node server on the same thread: its Log handler hands each call's entries (one message, encoded once) to ${TAILS.toLocaleString('en')} server-streaming handlers; same machine client, messages and tail clients (worker thread); cpu µs = main-thread busy time per delivery`,
      target: undefined,
      p99TargetMs: P99_TARGET_MS,
      concurrency: TAILS,
    });
  } finally {
    await clients.close();
    await baseline.server.close();
    // Hangar's tails end as their connections go.
    await waitForTails(server, 0, 30_000).catch(() => undefined);
  }
}
