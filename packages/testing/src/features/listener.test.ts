/**
 * The listener under connections that never become requests: silent sockets, trickled headers,
 * preface-only HTTP/2 sessions, bodies that never arrive, too many streams, too many connections from one
 * address. Limits are set small here so each test runs in seconds; /healthz keeps answering throughout.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { engineSkip, testEngines } from '../engines.js';
import { h2Request, openH2, openSocket, type RawSocket } from '../raw-http.js';
import { startTestServer, type TestServer } from '../server.js';

function healthz(url: string, localAddress = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/healthz`, { localAddress, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** Whether the server closed the socket (and, for a race-free answer, within the test's own timeout). */
async function closedByServer(raw: RawSocket): Promise<true> {
  await raw.closed;
  return true;
}

// Engine-independent, but run once per engine like everything else so both builds are covered.
for (const engine of testEngines().slice(0, 1)) {
  const skip = await engineSkip(engine);
  describe(`listener limits [${engine}]`, { skip, timeout: 30_000 }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(engine, {
        flags: { headerTimeoutMs: '500', requestTimeoutMs: '1000', idleTimeoutMs: '1500', maxConnectionsPerAddress: '5' },
      });
    });
    after(() => s.close());

    it('closes a TCP connection that sends nothing', async () => {
      const raw = await openSocket(s.port, '127.0.0.51');
      assert.equal(await closedByServer(raw), true);
      assert.equal(await healthz(s.url), 200);
    });

    it('closes an HTTP/1.1 connection that trickles its headers (slowloris)', async () => {
      const raw = await openSocket(s.port, '127.0.0.52');
      raw.socket.write('GET /healthz HTTP/1.1\r\n');
      const trickle = setInterval(() => {
        if (!raw.socket.destroyed) raw.socket.write('X-a: b\r\n');
      }, 100);
      try {
        assert.equal(await closedByServer(raw), true);
      } finally {
        clearInterval(trickle);
      }
      assert.doesNotMatch(raw.received().toString('latin1'), /^HTTP\/1\.1 200/, 'the trickled request was never served');
    });

    it('closes an HTTP/1.1 request whose body never arrives', async () => {
      const raw = await openSocket(s.port, '127.0.0.53');
      raw.socket.write('POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
      assert.equal(await closedByServer(raw), true);
    });

    it('closes an HTTP/2 session that sends its preface and nothing else', async () => {
      const raw = await openSocket(s.port, '127.0.0.54');
      raw.socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      // An empty SETTINGS frame, as every client sends right after the preface.
      raw.socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
      assert.equal(await closedByServer(raw), true);
    });

    it('advertises at most 100 concurrent HTTP/2 streams and resets a stream whose body never arrives', async () => {
      const session = await openH2(s.url, '127.0.0.55');
      try {
        const advertised = session.remoteSettings.maxConcurrentStreams ?? Number.POSITIVE_INFINITY;
        assert.ok(advertised <= 100, `maxConcurrentStreams is ${advertised}`);
        const { reply } = h2Request(session, { ':method': 'POST', ':path': '/readyz', 'content-length': '100' }, undefined);
        await reply.then(
          () => undefined,
          () => undefined,
        );
      } finally {
        session.destroy();
      }
    });

    it('caps connections per address, and /healthz keeps answering for everyone else', async () => {
      const held: RawSocket[] = [];
      for (let i = 0; i < 5; i++) {
        const raw = await openSocket(s.port, '127.0.0.56');
        // Keep each one busy past the header timeout with a trickle, so none times out during the test.
        raw.socket.write('GET /healthz HTTP/1.1\r\n');
        held.push(raw);
      }
      const sixth = await openSocket(s.port, '127.0.0.56');
      assert.equal(await closedByServer(sixth), true, 'the sixth connection from one address is closed');
      assert.equal(sixth.received().length, 0);
      assert.equal(await healthz(s.url, '127.0.0.57'), 200);
      for (const raw of held) raw.socket.destroy();
    });
  });
}
