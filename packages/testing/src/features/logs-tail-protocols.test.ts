/**
 * Live tails over every protocol and format the port speaks (gRPC, gRPC-web and Connect; protobuf and
 * JSON), since tails are written straight to the response rather than through Connect's handler: entries
 * arrive intact, errors and deadlines end the stream in each protocol's own way, compressed requests and
 * clients that accept compressed replies work. Tails do not depend on the engine, so one SQLite server.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type Transport } from '@connectrpc/connect';
import { compressionGzip, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { commonApi } from '@hangar/sdk';
import { AppService } from '@hangar/wire';
import { Code, codeOf } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { entry, machineClient, machineKey, tailReceived, waitForTails } from '../machine-logs.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import { startTestServer, type TestServer } from '../server.js';
import { withAuthorization, WIRE_PROTOCOLS } from '../wire-clients.js';

let s: TestServer;
let a: SeededOrg;
let partId: string;
let log: (message: string, level?: string) => Promise<commonApi.LogEntry>;

before(async () => {
  s = await startTestServer('sqlite');
  a = await seedOrg(s);
  const { robotId, mainPart } = await newMachine(a.owner, a.location.id, 'protocol-bot');
  partId = mainPart.id;
  const machine = await machineClient(s, await machineKey(a.owner, a.org.id, robotId));
  log = async (message, level = 'info') => {
    const sent = entry({ message, level, fields: [{ motor: 'left', rpm: 42.5, ok: true, nested: { list: [1, 'two', null] } }] });
    await machine.log(partId, [sent]);
    return new commonApi.LogEntry(sent);
  };
});

after(async () => {
  await s.close();
});

/** Reads a tail on `transport` until `stop` aborts it or it ends; resolves with what came and how it ended. */
function tail(transport: Transport, request: { id: string; errorsOnly?: boolean; filter?: string }, timeoutMs?: number) {
  const abort = new AbortController();
  const app = createClient(AppService, transport);
  const got: commonApi.LogEntry[] = [];
  const ended = (async () => {
    try {
      for await (const batch of app.tailRobotPartLogs(
        { errorsOnly: false, ...request },
        { signal: abort.signal, ...(timeoutMs !== undefined && { timeoutMs }) },
      )) {
        got.push(...batch.logs);
      }
      return 0 as const;
    } catch (err) {
      return codeOf(err);
    }
  })();
  return {
    got,
    ended,
    until: (n: number) => tailReceived(got, n),
    stop: () => {
      abort.abort();
      return ended;
    },
  };
}

const bearer = () => withAuthorization(`Bearer ${a.owner.accessToken}`);

describe('live tails on every protocol', () => {
  for (const protocol of WIRE_PROTOCOLS) {
    it(`${protocol.name}: delivers entries with their caller and fields intact, and frees the tail when the client leaves`, async () => {
      const t = tail(protocol.transport(s.url, [bearer()]), { id: partId });
      await waitForTails(s, 1);
      const sent = await log(`over ${protocol.name}`);
      await t.until(1);
      assert.deepEqual(
        t.got.map((e) => e.toJson()),
        [sent.toJson()],
      );
      assert.equal(await t.stop(), Code.Canceled);
      await waitForTails(s, 0);
    });

    it(`${protocol.name}: answers an unknown part with NOT_FOUND and a missing token with UNAUTHENTICATED`, async () => {
      const unknown = tail(protocol.transport(s.url, [bearer()]), { id: randomUUID() });
      assert.equal(await unknown.ended, Code.NotFound);
      const anonymous = tail(protocol.transport(s.url), { id: partId });
      assert.equal(await anonymous.ended, Code.Unauthenticated);
      const badFilter = tail(protocol.transport(s.url, [bearer()]), { id: partId, filter: 'x'.repeat(10_000) });
      assert.equal(await badFilter.ended, Code.InvalidArgument);
      assert.deepEqual([unknown.got, anonymous.got, badFilter.got], [[], [], []]);
    });

    it(`${protocol.name}: ends the tail with DEADLINE_EXCEEDED when the client's deadline passes`, async () => {
      const t = tail(protocol.transport(s.url, [bearer()]), { id: partId }, 300);
      assert.equal(await t.ended, Code.DeadlineExceeded);
      await waitForTails(s, 0);
    });
  }

  it('accepts gzip-compressed requests and clients that accept compressed replies, on gRPC, gRPC-web and Connect', async () => {
    const options = {
      baseUrl: s.url,
      interceptors: [bearer()],
      sendCompression: compressionGzip,
      acceptCompression: [compressionGzip],
      compressMinBytes: 0,
    };
    const tails = [
      tail(createGrpcTransport({ ...options, httpVersion: '2' }), { id: partId, filter: 'squeezed' }),
      tail(createGrpcWebTransport({ ...options, httpVersion: '1.1' }), { id: partId, filter: 'squeezed' }),
      tail(createConnectTransport({ ...options, httpVersion: '1.1' }), { id: partId, filter: 'squeezed' }),
    ];
    await waitForTails(s, 3);
    await log('not for them');
    const sent = await log('SQUEEZED through gzip', 'error');
    for (const t of tails) await t.until(1);
    for (const t of tails)
      assert.deepEqual(
        t.got.map((e) => e.toJson()),
        [sent.toJson()],
      );
    assert.deepEqual(await Promise.all(tails.map((t) => t.stop())), [Code.Canceled, Code.Canceled, Code.Canceled]);
  });
});
