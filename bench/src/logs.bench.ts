/**
 * Issue 9: machine logs. Ingest through RobotService.Log against raw inserts of the same rows (target:
 * at least half their rate); 1,000 live tails of a machine logging 50 entries a second against a bare
 * streaming handler (target: p99 under 100 ms); the newest 100 entries of a part at 1M and 10M rows
 * (HANGAR_BENCH_LOG_ROWS), plain and filtered by a word, against the bare query. All over gRPC (h2c), as
 * viam-server and the SDKs talk; see logs/*.ts for each scenario and its baseline.
 */
import { engineVersion, startHangar } from './hangar.js';
import { benchIngest, ingestScenario } from './logs/ingest.js';
import { benchQueries } from './logs/query.js';
import { benchTails, TAIL_ENCODINGS, tailScenario } from './logs/tails.js';
import type { BenchSuite } from './suite.js';

export const suite: BenchSuite = {
  name: 'logs',
  async run(ctx) {
    if (!ctx.config.protocols.includes('grpc')) {
      ctx.note('logs: measured over gRPC h2c only, which HANGAR_BENCH_PROTOCOLS leaves out; skipped');
      return;
    }
    await ctx.eachEngine(async (engine) => {
      if (ctx.wants(ingestScenario) || TAIL_ENCODINGS.some((e) => ctx.wants(tailScenario(e)))) {
        ctx.note(`logs on ${engine}: starting Hangar`);
        const hangar = await startHangar(engine);
        try {
          ctx.engineVersion(engine, await engineVersion(hangar.server.db.url));
          await benchIngest(ctx, engine, hangar);
          await benchTails(ctx, engine, hangar);
        } finally {
          await hangar.close();
        }
      }
      await benchQueries(ctx, engine);
    });
  },
};
