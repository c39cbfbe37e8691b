/**
 * Issue 11, the registry: moving a module file through Hangar against copying the same bytes between two
 * local files (a read stream piped into a write stream) in the same run. Three transfers, each of one
 * file of HANGAR_BENCH_REGISTRY_MB (default 64, quick 8): an upload over gRPC (a client stream on h2c), an
 * upload through the resumable HTTP upload (16 MiB chunks), and a download from the signed link GetPackage
 * hands out. The server runs as its own process (`hangar server`), as it does beside the CLI or the agent
 * that moves a file: both share this machine's CPUs and talk over loopback, but not one JavaScript thread.
 */
import { AppClient } from '@hangar/sdk';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { freshDatabase, initialAdminKey, serverArgs, spawnServer } from '@hangar/testing';
import { engineVersion } from './hangar.js';
import { measureInterleaved } from './load.js';
import type { BenchSuite } from './suite.js';

const BASELINE = 'copying the same file between two local files (read stream → write stream)';

export const suite: BenchSuite = {
  name: 'registry',
  async run(ctx) {
    const mb = Number(process.env.HANGAR_BENCH_REGISTRY_MB ?? (ctx.config.quick ? 8 : 64));
    const size = mb * 1024 * 1024;
    await ctx.eachEngine(async (engine) => {
      const db = await freshDatabase(engine);
      const server = await spawnServer(serverArgs(db));
      const dir = await mkdtemp(join(tmpdir(), 'hangar-bench-registry-'));
      try {
        ctx.engineVersion(engine, await engineVersion(db.url));
        const credentials = await initialAdminKey(db.dataDir);
        const http = await AppClient.connect({ url: server.url, credentials });
        const grpc = await AppClient.connect({ url: server.url, credentials, protocol: 'grpc' });
        const org = await http.createOrganization('Bench registry');
        const [moduleId] = await http.createModule(org.id, 'bench-module');
        await http.updateModule(moduleId, '', 'benchmark', [], 'run');
        const source = join(dir, 'module.tar.gz');
        await writeFile(source, randomBytes(size));
        let n = 0;
        const copy = async () => {
          const target = join(dir, `copy-${n++}`);
          await pipeline(createReadStream(source), createWriteStream(target));
          await rm(target);
        };
        await grpc.uploadModuleFileFromPath({ moduleId, version: '0.0.0', platform: 'any' }, source);
        const pkg = await http.getPackage(`${org.id}/bench-module`, '0.0.0');
        const transfers = {
          'upload over gRPC (client stream, h2c)': () =>
            grpc.uploadModuleFileFromPath({ moduleId, version: `1.0.${n++}`, platform: 'any' }, source),
          'upload over the resumable HTTP upload': () =>
            http.uploadModuleFileFromPath({ moduleId, version: `2.0.${n++}`, platform: 'any' }, source),
          'download from the GetPackage link': async () => {
            const target = join(dir, `download-${n++}`);
            await http.downloadPackage(pkg, target);
            await rm(target);
          },
        };
        for (const [scenario, transfer] of Object.entries(transfers)) {
          const name = `${scenario}, ${mb} MiB`;
          if (!ctx.wants(name)) continue;
          ctx.note(`registry · ${engine} · ${name}`);
          const measured = await measureInterleaved(
            { hangar: transfer, baseline: copy },
            { concurrency: 1, seconds: ctx.config.seconds, runs: ctx.config.runs, warmupSeconds: ctx.config.warmupSeconds },
          );
          ctx.record({
            scenario: name,
            engine,
            protocol: scenario.includes('gRPC') ? 'gRPC h2c' : 'HTTP/1.1',
            hangar: measured.hangar,
            baseline: measured.baseline,
            baselineKind: BASELINE,
            target: 0.5,
            concurrency: 1,
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
        server.child.kill('SIGTERM');
        await server.exited;
        await db.drop();
      }
    });
  },
};
