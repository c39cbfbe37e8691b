/**
 * Issue 10: a fleet polling its config. 1,000 machine parts, each authenticated with its own part secret
 * (robot-secret, as viam-server does), call RobotService.Config in turn, 16 at a time over gRPC h2c,
 * against a bare connect-node handler returning the same ConfigResponse. Hangar's side is the whole
 * path a poll takes: token check, the machine's own-part authorization, the part and its secrets, the
 * location's secrets, the effective config with its fragments, and the RobotConfig mapping.
 */
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { RobotService } from '@hangar/wire';
import type { appRobotApi } from '@hangar/wire';
import { startBaselineRoutes } from './baseline.js';
import { engineVersion, startHangar } from './hangar.js';
import { measureInterleaved, type Call } from './load.js';
import { createFleet } from './machine-fleet.js';
import type { BenchSuite } from './suite.js';

const MACHINES = 1_000;
const CONCURRENCY = 16;
const scenario = `RobotService.Config polls (${MACHINES.toLocaleString('en')} machines, each its own token)`;

/** A config of the size a small robot has: a few components and services, a process, a fragment's worth. */
const CONFIG = {
  components: Array.from({ length: 6 }, (_, i) => ({
    name: `motor-${i}`,
    api: 'rdk:component:motor',
    model: 'rdk:builtin:gpio',
    attributes: { pins: { a: `${11 + i}`, b: `${13 + i}`, pwm: `${15 + i}` }, board: 'local', max_rpm: 200 },
    depends_on: ['local'],
  })),
  services: [{ name: 'slam', api: 'rdk:service:slam', model: 'viam:slam:cartographer', attributes: { config_params: { mode: '2d' } } }],
  processes: [{ id: 'telemetry', name: '/usr/bin/telemetryd', args: ['--interval', '5s'], log: true }],
};

export const suite: BenchSuite = {
  name: 'agents',
  async run(ctx) {
    if (!ctx.wants(scenario)) return;
    await ctx.eachEngine(async (engine) => {
      ctx.note(`agents on ${engine}: starting Hangar, creating ${MACHINES.toLocaleString('en')} machines`);
      const hangar = await startHangar(engine);
      try {
        ctx.engineVersion(engine, await engineVersion(hangar.server.db.url));
        const machines = await createFleet(hangar.server.client, hangar.server.url, hangar.organizationId, MACHINES, CONFIG);
        const transport = createGrpcTransport({ baseUrl: hangar.server.url, httpVersion: '2' });
        const robot: Client<typeof RobotService> = createClient(RobotService, transport);
        const first = machines[0];
        if (first === undefined) throw new Error('no machines');
        const canned = await robot.config({ id: first.partId }, { headers: first.headers });
        if (canned.config?.components.length !== CONFIG.components.length) throw new Error('Config did not carry the components');
        const baseline = await startBaselineRoutes((router) =>
          router.service(RobotService, { config: (): appRobotApi.ConfigResponse => canned }),
        );
        try {
          const bare = createClient(RobotService, createGrpcTransport({ baseUrl: baseline.url, httpVersion: '2' }));
          let next = 0;
          const pick = () => machines[next++ % machines.length] ?? first;
          const calls: Record<'hangar' | 'baseline', Call> = {
            hangar: () => {
              const m = pick();
              return robot.config({ id: m.partId }, { headers: m.headers });
            },
            baseline: () => {
              const m = pick();
              return bare.config({ id: m.partId }, { headers: m.headers });
            },
          };
          const chosen: Partial<Record<'hangar' | 'baseline', Call>> = {};
          for (const target of ctx.config.targets) chosen[target] = calls[target];
          ctx.note(`  ${scenario} · ${engine} · gRPC h2c …`);
          const measured = await measureInterleaved(chosen as Record<'hangar' | 'baseline', Call>, {
            ...ctx.config,
            concurrency: CONCURRENCY,
          });
          ctx.record({
            scenario,
            engine,
            protocol: 'gRPC h2c',
            hangar: measured.hangar,
            baseline: measured.baseline,
            baselineKind: 'bare connect-node RobotService.Config handler returning the same ConfigResponse',
            target: undefined,
            concurrency: CONCURRENCY,
          });
        } finally {
          await baseline.close();
        }
      } finally {
        await hangar.close();
      }
    });
  },
};
