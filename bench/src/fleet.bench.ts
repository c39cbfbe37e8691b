/**
 * Issue 8: a part's effective config built from 20 fragments nested 4 deep (target: computed in under
 * 5 ms), both as the pure resolution alone and as the GetEffectiveConfig call that also loads the
 * fragments; and ListMachineSummaries for an organization of 10,000 machines (target: p99 under 200 ms).
 * Each call is measured one at a time against a bare handler returning the same answer.
 */
import { createClient } from '@connectrpc/connect';
import { effectiveConfig, parseFragmentRefs, type FragmentSource, type JsonObject } from '@hangar/domain';
import { EffectiveConfigService, type appApi } from '@hangar/wire';
import { startBaselineRoutes } from './baseline.js';
import { engineVersion, insertMachines, startHangar } from './hangar.js';
import { measureInterleaved } from './load.js';
import { createTransport, PROTOCOL_LABEL } from './protocols.js';
import type { BenchSuite } from './suite.js';
import { benchUnary, unaryScenario } from './unary.js';

const MACHINES = 10_000;
const FRAGMENTS_PER_LEVEL = 5;
const LEVELS = 4;
const COMPONENTS_PER_FRAGMENT = 10;
const EFFECTIVE_TARGET_MS = 5;
const SUMMARIES_TARGET_MS = 200;

const component = (fragment: number, i: number) => ({
  name: `f${fragment}-c${i}`,
  api: 'rdk:component:motor',
  model: 'fake',
  attributes: { max_rpm: 100 + i, pins: { a: String(i), b: String(i + 1) } },
});

export const suite: BenchSuite = {
  name: 'fleet',
  async run(ctx) {
    await ctx.eachEngine(async (engine) => {
      ctx.note(
        `fleet on ${engine}: starting Hangar, seeding ${MACHINES.toLocaleString('en')} machines and ${FRAGMENTS_PER_LEVEL * LEVELS} fragments`,
      );
      const hangar = await startHangar(engine);
      try {
        ctx.engineVersion(engine, await engineVersion(hangar.server.db.url));
        const admin = hangar.server.client;
        const orgId = hangar.organizationId;
        // Five chains of four: each fragment includes the next one down, and the part includes the five tops.
        const sources: FragmentSource[] = [];
        const tops: string[] = [];
        for (let chain = 0; chain < FRAGMENTS_PER_LEVEL; chain++) {
          let below: string | undefined;
          for (let level = LEVELS - 1; level >= 0; level--) {
            const n = chain * LEVELS + level;
            const config: JsonObject = {
              components: Array.from({ length: COMPONENTS_PER_FRAGMENT }, (_, i) => component(n, i)),
              ...(below !== undefined && { fragments: [below] }),
            };
            const f = await admin.createFragment(orgId, `fragment-${n}`, config);
            sources.push({ id: f.id, name: f.name, revision: 1, config });
            below = f.id;
          }
          if (below !== undefined) tops.push(below);
        }
        const location = await admin.createLocation(orgId, 'Composed');
        const robotId = await admin.newRobot('composed', location.id);
        const [part] = await admin.getRobotParts(robotId);
        if (part === undefined) throw new Error('no main part');
        const partConfig: JsonObject = {
          components: [component(99, 0)],
          fragments: tops,
          fragment_mods: tops.map((id, i) => ({
            fragment_id: id,
            mods: [{ $set: { [`components.f${i * LEVELS}-c0.attributes.max_rpm`]: 1 } }],
          })),
        };
        await admin.updateRobotPart(part.id, part.name, partConfig);

        // The pure resolution, against a lookup over the same fragments, so the figure is the rules' own cost.
        if (ctx.wants('effective config: pure resolution')) {
          const byId = new Map(sources.map((f) => [f.id, f]));
          const lookup = (ref: { id: string }) => byId.get(ref.id);
          if (parseFragmentRefs(partConfig).length !== FRAGMENTS_PER_LEVEL) throw new Error('bad fixture');
          const resolve = () => Promise.resolve(effectiveConfig(partConfig, lookup, { maxFragmentDepth: 10 }));
          // Baseline: a deep copy of the merged result, the least any resolution must do.
          const merged = effectiveConfig(partConfig, lookup, { maxFragmentDepth: 10 }).config;
          const copy = () => Promise.resolve(structuredClone(merged));
          const measured = await measureInterleaved({ hangar: resolve, baseline: copy }, { ...ctx.config, concurrency: 1 });
          ctx.record({
            scenario: `effective config: pure resolution (${FRAGMENTS_PER_LEVEL * LEVELS} fragments, ${LEVELS} deep, mods)`,
            engine,
            protocol: 'in-process',
            hangar: measured.hangar,
            baseline: measured.baseline,
            baselineKind: 'structuredClone of the merged config',
            target: undefined,
            p99TargetMs: EFFECTIVE_TARGET_MS,
            concurrency: 1,
          });
        }

        // GetEffectiveConfig: loading the fragments (one query per level) and resolving, over each protocol.
        const name = `GetEffectiveConfig (${FRAGMENTS_PER_LEVEL * LEVELS} fragments, ${LEVELS} deep)`;
        if (ctx.wants(name)) {
          const options = { compression: ctx.config.compression, token: hangar.token };
          const probe = createClient(EffectiveConfigService, createTransport('connect', hangar.server.url, options));
          const canned = await probe.getEffectiveConfig({ partId: part.id });
          const baseline = await startBaselineRoutes((router) =>
            router.service(EffectiveConfigService, { getEffectiveConfig: () => canned }),
          );
          try {
            for (const protocol of ctx.config.protocols) {
              const h = createClient(EffectiveConfigService, createTransport(protocol, hangar.server.url, options));
              const b = createClient(EffectiveConfigService, createTransport(protocol, baseline.url, options));
              ctx.note(`  ${name} · ${engine} · ${PROTOCOL_LABEL[protocol]} …`);
              const measured = await measureInterleaved(
                { hangar: () => h.getEffectiveConfig({ partId: part.id }), baseline: () => b.getEffectiveConfig({ partId: part.id }) },
                { ...ctx.config, concurrency: 1 },
              );
              ctx.record({
                scenario: name,
                engine,
                protocol: PROTOCOL_LABEL[protocol],
                hangar: measured.hangar,
                baseline: measured.baseline,
                baselineKind: 'bare connect-node handler returning the same response',
                // No latency target: encoding ~200 components takes the baseline itself ~10 ms; the 5 ms is
                // for computing the config (the pure row), and the ratio shows what loading adds.
                target: undefined,
                concurrency: 1,
              });
            }
          } finally {
            await baseline.close();
          }
        }

        ctx.note(`fleet on ${engine}: seeding ${MACHINES.toLocaleString('en')} machines`);
        await insertMachines(hangar.server.db.url, orgId, MACHINES);
        const expectMachines = (res: appApi.ListMachineSummariesResponse) => {
          const count = res.locationSummaries.reduce((n, l) => n + l.machineSummaries.length, 0);
          if (count < MACHINES) throw new Error(`expected at least ${MACHINES} machines, got ${count}`);
        };
        await benchUnary(ctx, engine, hangar, [
          unaryScenario({
            name: `ListMachineSummaries (${MACHINES.toLocaleString('en')} machines)`,
            p99TargetMs: SUMMARIES_TARGET_MS,
            concurrency: 1,
            call: async (client) => {
              const res = await client.listMachineSummaries({ organizationId: orgId });
              expectMachines(res);
              return res;
            },
            baseline: (canned) => ({ listMachineSummaries: () => canned }),
          }),
        ]);
      } finally {
        await hangar.close();
      }
    });
  },
};
