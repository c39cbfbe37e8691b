/**
 * Guards scripts/patch-dependencies.mjs: a connect-node client reading a long server stream (an export, a
 * live log tail) must not keep the chunks it has delivered (uncompressed, as our data client reads). Unpatched, connect-node 1.x holds every chunk
 * until the response ends, and this stream of 128 MiB leaves about that much behind.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { createClient, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { ReadingsExportService } from '@hangar/wire';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MESSAGES = 2048;
const MESSAGE_BYTES = 64 * 1024;
const mib = (n: number) => n / 1024 / 1024;

function routes(router: ConnectRouter): void {
  router.service(ReadingsExportService, {
    async *exportReadings() {
      const lines = randomBytes(MESSAGE_BYTES);
      for (let i = 0; i < MESSAGES; i++) {
        // A turn of the event loop per message, as a real stream waits on its source.
        await new Promise<void>((next) => setImmediate(next));
        yield { lines, readings: 1 };
      }
    },
  });
}

async function listening(server: http.Server | http2.Http2Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The growth of this process's ArrayBuffers while it reads the whole stream, collecting garbage as it goes. */
async function growthWhileReading(client: ReturnType<typeof createClient<typeof ReadingsExportService>>): Promise<number> {
  gc();
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  let n = 0;
  for await (const message of client.exportReadings({})) {
    assert.equal(message.lines.length, MESSAGE_BYTES);
    if (++n % 128 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
  }
  assert.equal(n, MESSAGES);
  return peak - before;
}

await describe('connect-node client streams', () => {
  it('forget what they delivered, over HTTP/1.1 (Connect) and HTTP/2 (gRPC)', async () => {
    const h1 = http.createServer(connectNodeAdapter({ routes }));
    const h2 = http2.createServer(connectNodeAdapter({ routes }));
    const sessions = new Set<http2.ServerHttp2Session>();
    h2.on('session', (session) => sessions.add(session));
    try {
      const h1Url = await listening(h1);
      const h2Url = await listening(h2);
      const streamed = mib(MESSAGES * MESSAGE_BYTES);
      for (const [name, transport] of [
        ['Connect over HTTP/1.1', createConnectTransport({ baseUrl: h1Url, httpVersion: '1.1', acceptCompression: [] })],
        ['gRPC over HTTP/2', createGrpcTransport({ baseUrl: h2Url, httpVersion: '2', acceptCompression: [] })],
      ] as const) {
        const growth = mib(await growthWhileReading(createClient(ReadingsExportService, transport)));
        assert.ok(growth < 32, `${name}: ${growth.toFixed(0)} MiB of the ${streamed} MiB streamed were still held`);
      }
    } finally {
      h1.closeAllConnections();
      await new Promise((done) => h1.close(done));
      for (const session of sessions) session.destroy();
      await new Promise((done) => h2.close(done));
    }
  });
});
