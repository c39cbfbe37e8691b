/**
 * Server metrics in Prometheus' text format (`GET /metrics`), one registry per server so several servers in
 * one process (tests, benchmarks) keep apart. Labels are method names, codes and fixed words only: no ids,
 * no addresses, nothing a caller sent, so the page holds no secrets and its size stays bounded.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolUse } from '@hangar/store';

export interface MetricSources {
  readonly logQueueDepth: () => number;
  readonly activeTails: () => number;
  readonly pools: () => Readonly<Record<string, PoolUse | undefined>>;
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const rpcRequests = new Counter({
    name: 'hangar_rpc_requests_total',
    help: 'RPCs answered, by method and gRPC code',
    labelNames: ['method', 'code'],
    registers: [registry],
  });
  const rpcSeconds = new Histogram({
    name: 'hangar_rpc_duration_seconds',
    help: 'Time to answer an RPC (for streams, how long the stream was open), by method and gRPC code',
    labelNames: ['method', 'code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
    registers: [registry],
  });
  const rpcInFlight = new Gauge({
    name: 'hangar_rpc_in_flight',
    help: 'RPCs being answered right now, by method',
    labelNames: ['method'],
    registers: [registry],
  });
  // The most at once since the server started: how parallel clients really are (an export's --parallel).
  const rpcInFlightPeak = new Gauge({
    name: 'hangar_rpc_in_flight_peak',
    help: 'The most RPCs of a method answered at the same time since the server started',
    labelNames: ['method'],
    registers: [registry],
  });
  const inFlight = new Map<string, { now: number; peak: number }>();
  const logBatchEntries = new Histogram({
    name: 'hangar_log_batch_entries',
    help: 'Log entries written per transaction',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000],
    registers: [registry],
  });
  const logBatchSeconds = new Histogram({
    name: 'hangar_log_batch_duration_seconds',
    help: 'Time to write one batch of log entries',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const logEntriesIngested = new Counter({
    name: 'hangar_log_entries_ingested_total',
    help: 'Log entries committed',
    registers: [registry],
  });
  const logEntriesDeleted = new Counter({
    name: 'hangar_log_entries_deleted_total',
    help: 'Log entries deleted by retention, by reason (age, count, part_deleted)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const logIngestRefused = new Counter({
    name: 'hangar_log_ingest_refused_total',
    help: 'Log calls refused because the queue was full',
    registers: [registry],
  });

  function observeSources(sources: MetricSources): void {
    new Gauge({
      name: 'hangar_log_queue_entries',
      help: 'Log entries waiting to be written',
      registers: [registry],
      collect() {
        this.set(sources.logQueueDepth());
      },
    });
    new Gauge({
      name: 'hangar_log_tails_active',
      help: 'Live log tails open on this server',
      registers: [registry],
      collect() {
        this.set(sources.activeTails());
      },
    });
    new Gauge({
      name: 'hangar_db_pool_connections',
      help: 'PostgreSQL pool connections, by pool (fleet, logs) and state (total, idle, waiting)',
      labelNames: ['pool', 'state'],
      registers: [registry],
      collect() {
        for (const [pool, use] of Object.entries(sources.pools())) {
          if (use === undefined) continue;
          this.set({ pool, state: 'total' }, use.total);
          this.set({ pool, state: 'idle' }, use.idle);
          this.set({ pool, state: 'waiting' }, use.waiting);
        }
      },
    });
  }

  return {
    registry,
    observeSources,
    rpcStarted: (method: string): void => {
      const counts = inFlight.get(method) ?? { now: 0, peak: 0 };
      counts.now++;
      if (counts.now > counts.peak) {
        counts.peak = counts.now;
        rpcInFlightPeak.set({ method }, counts.peak);
      }
      inFlight.set(method, counts);
      rpcInFlight.set({ method }, counts.now);
    },
    rpc: (method: string, code: string, seconds: number): void => {
      const counts = inFlight.get(method);
      if (counts !== undefined) {
        counts.now = Math.max(0, counts.now - 1);
        rpcInFlight.set({ method }, counts.now);
      }
      rpcRequests.inc({ method, code });
      rpcSeconds.observe({ method, code }, seconds);
    },
    logBatch: (entries: number, seconds: number): void => {
      logBatchEntries.observe(entries);
      logBatchSeconds.observe(seconds);
      logEntriesIngested.inc(entries);
    },
    logsDeleted: (reason: string, entries: number): void => {
      logEntriesDeleted.inc({ reason }, entries);
    },
    logIngestRefused: (): void => {
      logIngestRefused.inc();
    },
    /** The page Prometheus scrapes. */
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
