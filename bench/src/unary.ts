/**
 * Unary RPC scenarios: the same call through Hangar and through a bare connect-node handler returning
 * the very message Hangar answered with, per protocol, interleaved in one process.
 */
import type { Message } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import type { TestEngine } from '@hangar/testing';
import type { AppService } from '@hangar/wire';
import { startBaseline } from './baseline.js';
import type { HangarUnderTest } from './hangar.js';
import { measureInterleaved, type Call } from './load.js';
import { createAppClient, createTransport, PROTOCOL_LABEL, type AppClient } from './protocols.js';
import type { BenchContext } from './suite.js';

export interface UnaryScenario<R extends Message = Message> {
  /** As shown in the table, e.g. "GetOrganization". */
  readonly name: string;
  /** Lowest acceptable hangar ÷ baseline rate, if there is a target. */
  readonly target?: number;
  /** Highest acceptable p99 latency through Hangar, in milliseconds, if there is a target. */
  readonly p99TargetMs?: number;
  /**
   * Calls in flight, if not the configured default: latency targets are measured one call at a time, so
   * they speak of the server's work rather than of queueing behind 15 other calls.
   */
  readonly concurrency?: number;
  /** The call, made through Hangar and through the baseline alike. */
  call(client: AppClient): Promise<R>;
  /** The baseline's handler for the method `call` uses, given Hangar's answer to return as a constant. */
  baseline(canned: R): Partial<ServiceImpl<typeof AppService>>;
}

/** Declares a scenario with its response type inferred from `call`, so `baseline` needs no cast. */
export function unaryScenario<R extends Message>(scenario: UnaryScenario<R>): UnaryScenario {
  return scenario;
}

/**
 * Measures each scenario on each configured protocol. Hangar's answer is fetched once and served by the
 * baseline unchanged, so both sides encode and send the same bytes; the run stops if they ever differ.
 */
export async function benchUnary(
  ctx: BenchContext,
  engine: TestEngine,
  hangar: HangarUnderTest,
  scenarios: readonly UnaryScenario[],
): Promise<void> {
  const selected = scenarios.filter((s) => ctx.wants(s.name));
  if (selected.length === 0) return;
  const { config } = ctx;
  const transportOptions = { compression: config.compression, token: hangar.token };

  const probe = createAppClient(createTransport('connect', hangar.server.url, transportOptions));
  const canned = new Map<UnaryScenario, Message>();
  let impl: Partial<ServiceImpl<typeof AppService>> = {};
  for (const scenario of selected) {
    const answer = await scenario.call(probe);
    canned.set(scenario, answer);
    impl = { ...impl, ...scenario.baseline(answer) };
  }
  const baseline = await startBaseline(impl);
  try {
    for (const protocol of config.protocols) {
      const clients = {
        hangar: createAppClient(createTransport(protocol, hangar.server.url, transportOptions)),
        baseline: createAppClient(createTransport(protocol, baseline.url, transportOptions)),
      };
      for (const scenario of selected) {
        const expected = canned.get(scenario);
        for (const [side, client] of Object.entries(clients)) {
          const got = await scenario.call(client);
          if (expected === undefined || !got.equals(expected)) {
            throw new Error(
              `${scenario.name} over ${protocol}: ${side} answered differently from Hangar's first answer, so the comparison would not be like with like`,
            );
          }
        }
        const calls: Partial<Record<'hangar' | 'baseline', Call>> = {};
        for (const target of config.targets) calls[target] = () => scenario.call(clients[target]);
        ctx.note(`  ${scenario.name} · ${engine} · ${PROTOCOL_LABEL[protocol]} …`);
        const concurrency = scenario.concurrency ?? config.concurrency;
        const measured = await measureInterleaved(calls as Record<'hangar' | 'baseline', Call>, { ...config, concurrency });
        ctx.record({
          scenario: scenario.name,
          engine,
          protocol: PROTOCOL_LABEL[protocol],
          hangar: measured.hangar,
          baseline: measured.baseline,
          baselineKind: 'bare connect-node handler returning the same response',
          target: scenario.target,
          p99TargetMs: scenario.p99TargetMs,
          concurrency,
        });
      }
    }
  } finally {
    await baseline.close();
  }
}
