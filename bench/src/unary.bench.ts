/**
 * Issue 3: unary calls through Hangar against a bare connect-node handler, per protocol and engine.
 * GetOrganization is the cost of a call (authenticate, authorize, one lookup); ListLocations on an
 * organization with 1,000 locations adds a query of 1,000 rows and a ~100 kB answer.
 */
import { engineVersion, insertLocations, startHangar } from './hangar.js';
import type { BenchSuite } from './suite.js';
import { benchUnary, unaryScenario } from './unary.js';

const LOCATIONS = 1000;

export const suite: BenchSuite = {
  name: 'unary',
  async run(ctx) {
    await ctx.eachEngine(async (engine) => {
      ctx.note(`unary on ${engine}: starting Hangar, seeding ${LOCATIONS} locations`);
      const hangar = await startHangar(engine);
      try {
        const organizationId = hangar.organizationId;
        await insertLocations(hangar.server.db.url, organizationId, LOCATIONS);
        const version = await engineVersion(hangar.server.db.url);
        ctx.engineVersion(engine, version);
        ctx.note(`  ${version}`);
        const scenarios = [
          unaryScenario({
            name: 'GetOrganization',
            target: 0.6,
            call: (client) => client.getOrganization({ organizationId }),
            baseline: (canned) => ({ getOrganization: () => canned }),
          }),
          unaryScenario({
            name: `ListLocations (${LOCATIONS.toLocaleString('en')} locations)`,
            call: async (client) => {
              const response = await client.listLocations({ organizationId });
              if (response.locations.length !== LOCATIONS)
                throw new Error(`ListLocations returned ${response.locations.length} locations, expected ${LOCATIONS}`);
              return response;
            },
            baseline: (canned) => ({ listLocations: () => canned }),
          }),
        ];
        await benchUnary(ctx, engine, hangar, scenarios);
      } finally {
        await hangar.close();
      }
    });
  },
};
