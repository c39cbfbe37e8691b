/**
 * Issue 4: lists stay fast as fleets grow. ListRobots on a location of 100,000 machines, one page of 100
 * (Hangar's page headers), first and last page, and GetRobotParts; each against a bare handler returning
 * the same answer. Target: p99 under 50 ms on both engines, measured one call at a time (latency, not
 * queueing).
 */
import type { HandlerContext } from '@connectrpc/connect';
import { encodePageToken } from '@hangar/domain';
import type { appApi } from '@hangar/wire';
import { engineVersion, insertMachines, startHangar } from './hangar.js';
import type { BenchSuite } from './suite.js';
import { benchUnary, unaryScenario } from './unary.js';

const MACHINES = 100_000;
const PAGE = 100;
const P99_TARGET_MS = 50;

function pageHeaders(pageToken: string) {
  return { headers: { 'hangar-page-size': String(PAGE), ...(pageToken !== '' && { 'hangar-page-token': pageToken }) } };
}

export const suite: BenchSuite = {
  name: 'machines',
  async run(ctx) {
    await ctx.eachEngine(async (engine) => {
      ctx.note(`machines on ${engine}: starting Hangar, seeding ${MACHINES.toLocaleString('en')} machines`);
      const hangar = await startHangar(engine);
      try {
        const seeded = await insertMachines(hangar.server.db.url, hangar.organizationId, MACHINES);
        ctx.engineVersion(engine, await engineVersion(hangar.server.db.url));
        const { locationId } = seeded;
        // Names are machine-000001…, so the last page starts after the 100th name from the end.
        const beforeLast = MACHINES - PAGE;
        const lastToken = encodePageToken({
          key: `machine-${String(beforeLast).padStart(6, '0')}`,
          id: seeded.robotIds[beforeLast - 1] ?? '',
        });
        const someRobot = seeded.robotIds[Math.floor(MACHINES / 2)] ?? '';
        const expectPage = (count: number, first: string) => (robots: { name: string }[]) => {
          if (robots.length !== count || robots[0]?.name !== first) {
            throw new Error(`expected ${count} machines from ${first}, got ${robots.length} from ${robots[0]?.name ?? 'none'}`);
          }
        };
        // The baseline serves both pages from one handler, picking the canned page by the request's token.
        const cannedPages = new Map<string, appApi.ListRobotsResponse>();
        const pagedBaseline = (token: string) => (canned: appApi.ListRobotsResponse) => {
          cannedPages.set(token, canned);
          return {
            listRobots: (_req: appApi.ListRobotsRequest, context: HandlerContext) => {
              const page = cannedPages.get(context.requestHeader.get('hangar-page-token') ?? '');
              if (page === undefined) throw new Error('the baseline has no such page');
              return page;
            },
          };
        };
        const checkFirst = expectPage(PAGE, 'machine-000001');
        const checkLast = expectPage(PAGE, `machine-${String(beforeLast + 1).padStart(6, '0')}`);
        await benchUnary(ctx, engine, hangar, [
          unaryScenario({
            name: `ListRobots first page (${PAGE} of ${MACHINES.toLocaleString('en')})`,
            p99TargetMs: P99_TARGET_MS,
            concurrency: 1,
            call: async (client) => {
              const res = await client.listRobots({ locationId }, pageHeaders(''));
              checkFirst(res.robots);
              return res;
            },
            baseline: pagedBaseline(''),
          }),
          unaryScenario({
            name: `ListRobots last page (${PAGE} of ${MACHINES.toLocaleString('en')})`,
            p99TargetMs: P99_TARGET_MS,
            concurrency: 1,
            call: async (client) => {
              const res = await client.listRobots({ locationId }, pageHeaders(lastToken));
              checkLast(res.robots);
              return res;
            },
            baseline: pagedBaseline(lastToken),
          }),
          unaryScenario({
            name: `GetRobotParts (in a location of ${MACHINES.toLocaleString('en')})`,
            p99TargetMs: P99_TARGET_MS,
            concurrency: 1,
            call: (client) => client.getRobotParts({ robotId: someRobot }),
            baseline: (canned) => ({ getRobotParts: () => canned }),
          }),
        ]);
      } finally {
        await hangar.close();
      }
    });
  },
};
