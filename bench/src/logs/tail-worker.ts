/**
 * The tails' client side, on a thread of its own: plain HTTP/2 gRPC streams (node:http2) that read each
 * TailRobotPartLogs message's envelope, gunzip it if the server compressed it, and find in its entries the
 * call each came from and when that call was sent (both written into the message text by the machine, on
 * the process-wide monotonic clock). Kept lean and off the servers' thread so that what is measured is the
 * servers' fan-out, not 1,000 clients decoding protobuf on the same core. The first message of each stream
 * is decoded in full, to check that the stream carries what it should.
 */
import { appApi } from '@hangar/wire';
import http2 from 'node:http2';
import { parentPort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { monoMs, type FromWorker, type ToWorker } from './tail-protocol.js';

interface SideState {
  readonly sessions: http2.ClientHttp2Session[];
  delivered: number;
  lastAt: number;
  latencies: number[];
  closing: boolean;
  failed: boolean;
  waiting: { expected: number; timer: NodeJS.Timeout } | undefined;
}

const port = parentPort;
if (port === null) throw new Error('tail-worker.js runs as a worker thread');
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => {
  port.postMessage(message, transfer);
};
const sides = new Map<string, SideState>();
const SEQ = Buffer.from('seq ');

function fail(side: string, state: SideState, message: string): void {
  if (state.closing || state.failed) return;
  state.failed = true;
  send({ type: 'failed', side, message });
}

/** Every call whose entries this message carries counts one delivery, at its own latency. */
function onMessage(side: string, state: SideState, payload: Buffer, now: number): void {
  let last = -1;
  for (let at = payload.indexOf(SEQ); at !== -1; at = payload.indexOf(SEQ, at + 4)) {
    const m = /^seq (\d+) at ([\d.]+) /.exec(payload.toString('latin1', at, at + 48));
    if (m === null) continue;
    const seq = Number(m[1]);
    if (seq === last) continue;
    last = seq;
    state.delivered += 1;
    state.lastAt = now;
    state.latencies.push(now - Number(m[2]));
  }
  const waiting = state.waiting;
  if (waiting !== undefined && state.delivered >= waiting.expected) collected(side, state);
}

function collected(side: string, state: SideState): void {
  if (state.waiting !== undefined) clearTimeout(state.waiting.timer);
  state.waiting = undefined;
  const latencies = Float64Array.from(state.latencies);
  state.latencies = [];
  send({ type: 'collected', side, delivered: state.delivered, lastAt: state.lastAt, latencies }, [latencies.buffer]);
}

function openTail(side: string, state: SideState, session: http2.ClientHttp2Session, request: Buffer, headers: http2.OutgoingHttpHeaders) {
  const stream = session.request(headers);
  let pending: Buffer = Buffer.alloc(0);
  let checked = false;
  stream.on('response', (h) => {
    if (h[':status'] !== 200) fail(side, state, `a tail was answered HTTP ${h[':status']}`);
    else if (h['grpc-status'] !== undefined && h['grpc-status'] !== '0')
      fail(side, state, `a tail was refused: grpc-status ${String(h['grpc-status'])} ${String(h['grpc-message'] ?? '')}`);
  });
  stream.on('data', (chunk: Buffer) => {
    const now = monoMs();
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      const compressed = ((pending[0] ?? 0) & 1) === 1;
      let payload = pending.subarray(5, 5 + length);
      pending = pending.subarray(5 + length);
      if (compressed) payload = gunzipSync(payload);
      if (!checked) {
        checked = true;
        const message = appApi.TailRobotPartLogsResponse.fromBinary(payload);
        if (message.logs.length === 0 || !message.logs.every((e) => e.message.startsWith('seq ')))
          fail(side, state, 'a tail received a message that is not the machine’s entries');
      }
      onMessage(side, state, payload, now);
    }
  });
  stream.on('trailers', (t) => {
    fail(side, state, `a tail ended: grpc-status ${String(t['grpc-status'])} ${String(t['grpc-message'] ?? '')}`);
  });
  stream.on('error', (err) => {
    fail(side, state, `a tail failed: ${err.message}`);
  });
  stream.on('close', () => {
    fail(side, state, 'a tail closed while the benchmark was still reading it');
  });
  stream.end(request);
}

function open(message: Extract<ToWorker, { type: 'open' }>): void {
  const state: SideState = { sessions: [], delivered: 0, lastAt: 0, latencies: [], closing: false, failed: false, waiting: undefined };
  sides.set(message.side, state);
  const body = new appApi.TailRobotPartLogsRequest({ id: message.partId, errorsOnly: false }).toBinary();
  const request = Buffer.alloc(5 + body.length);
  request.writeUInt32BE(body.length, 1);
  request.set(body, 5);
  const headers: http2.OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': '/viam.app.v1.AppService/TailRobotPartLogs',
    'content-type': 'application/grpc+proto',
    te: 'trailers',
    authorization: `Bearer ${message.token}`,
    // What a connect-node client (the SDK) accepts, or nothing but identity (browsers, the Python SDK).
    'grpc-accept-encoding': message.encoding === 'gzip' ? 'gzip, br' : 'identity',
  };
  for (let t = 0; t < message.tails; t++) {
    if (t % message.perConnection === 0) {
      const session = http2.connect(message.url);
      session.on('error', (err) => {
        fail(message.side, state, `a tail connection failed: ${err.message}`);
      });
      state.sessions.push(session);
    }
    const session = state.sessions.at(-1);
    if (session !== undefined) openTail(message.side, state, session, request, headers);
  }
  send({ type: 'opened', side: message.side });
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'open':
      open(message);
      return;
    case 'reset': {
      const state = sides.get(message.side);
      if (state !== undefined) state.latencies = [];
      return;
    }
    case 'collect': {
      const state = sides.get(message.side);
      if (state === undefined) return;
      if (state.delivered >= message.expected) {
        collected(message.side, state);
        return;
      }
      state.waiting = {
        expected: message.expected,
        timer: setTimeout(() => {
          state.waiting = undefined;
          send({
            type: 'failed',
            side: message.side,
            message: `only ${state.delivered} of ${message.expected} deliveries arrived within ${message.timeoutMs} ms`,
          });
        }, message.timeoutMs),
      };
      return;
    }
    case 'close': {
      for (const state of sides.values()) {
        state.closing = true;
        for (const session of state.sessions) session.destroy();
      }
      send({ type: 'closed' });
      return;
    }
  }
});
