/**
 * TailRobotPartLogs written straight to the HTTP response. Connect's streaming path serializes, envelopes
 * and (when the client accepts gzip) compresses every message once per stream: ~50 µs of server CPU per
 * delivery, seconds of p99 with a thousand tails. Here each batch is encoded and enveloped once for its
 * whole group (TailBatch.frame) and the same bytes go to every stream, uncompressed — log batches are
 * small and frequent, and compressing each one per stream is what cost the most.
 *
 * It speaks the three protocols of the port for this one method, in protobuf and JSON: gRPC (HTTP/2),
 * gRPC-web and Connect streaming. Anything else (an encoding it does not know, gRPC over HTTP/1.1) falls
 * through to Connect's own handler, which answers it as before. Authorization is the method table's, through
 * the same authorizer every route uses.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { endStreamToJson, parseTimeout as parseConnectTimeout } from '@connectrpc/connect/protocol-connect';
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import { trailerSerialize } from '@connectrpc/connect/protocol-grpc-web';
import { invalid, parseId, parseLogNeedle, resourceExhausted } from '@hangar/domain';
import { appApi, AppService } from '@hangar/wire';
import type http from 'node:http';
import http2 from 'node:http2';
import { gunzipSync } from 'node:zlib';
import type { TokenClaims } from '../auth/tokens.js';
import type { Logger } from '../log.js';
import { toConnectError } from '../rpc/errors.js';
import { codeName, logCall, type Guarded } from '../rpc/routes.js';
import { envelope } from './log-wire.js';
import type { TailBatch } from './logs.convert.js';
import { fellBehind, type TailHub } from './tail-hub.js';

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

const RPC = `${AppService.typeName}/${AppService.methods.tailRobotPartLogs.name}`;
export const TAIL_PATH = `/${RPC}`;

type Protocol = 'grpc' | 'grpc-web' | 'connect';
type Format = 'binary' | 'json';

interface Dialect {
  readonly protocol: Protocol;
  readonly format: Format;
  /** The response's content type: the request's, without parameters. */
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, Omit<Dialect, 'contentType'>>> = {
  'application/grpc': { protocol: 'grpc', format: 'binary' },
  'application/grpc+proto': { protocol: 'grpc', format: 'binary' },
  'application/grpc+json': { protocol: 'grpc', format: 'json' },
  'application/grpc-web': { protocol: 'grpc-web', format: 'binary' },
  'application/grpc-web+proto': { protocol: 'grpc-web', format: 'binary' },
  'application/grpc-web+json': { protocol: 'grpc-web', format: 'json' },
  'application/connect+proto': { protocol: 'connect', format: 'binary' },
  'application/connect+json': { protocol: 'connect', format: 'json' },
};

/** The protocol and format of a request this module serves, or undefined to leave it to Connect. */
function dialectOf(req: Request): Dialect | undefined {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const known = CONTENT_TYPES[contentType];
  if (known === undefined) return undefined;
  // gRPC needs trailers, which only HTTP/2 carries; Connect answers the mistake in its own words.
  if (known.protocol === 'grpc' && !(req instanceof http2.Http2ServerRequest)) return undefined;
  const encoding = header(req, known.protocol === 'connect' ? 'connect-content-encoding' : 'grpc-encoding');
  if (encoding !== undefined && encoding !== 'identity' && encoding !== 'gzip') return undefined;
  return { ...known, contentType };
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface TailHttpDeps {
  readonly hub: TailHub<TailBatch>;
  readonly authorize: (req: unknown, claims: TokenClaims | undefined, authorization: string | null) => Promise<Guarded>;
  readonly log: Logger;
  readonly maxRequestBytes: number;
  readonly bufferEntries: number;
  /** A tail began (the in-flight gauges); every one ends with onCall. */
  readonly onStart?: ((rpc: string) => void) | undefined;
  readonly onCall?: ((rpc: string, code: string, seconds: number) => void) | undefined;
}

/** A stream the server cannot finish (its client reads nothing) is cut this long after it was ended. */
const LINGER_MS = 10_000;

/**
 * Returns a handler that serves the request and returns true when it is a tail it speaks, and returns
 * false (touching nothing) otherwise.
 */
export function createTailHttp({ hub, authorize, log, maxRequestBytes, bufferEntries, onStart, onCall }: TailHttpDeps) {
  return (req: Request, res: Response, claims: TokenClaims | undefined): boolean => {
    if (req.method !== 'POST' || req.url !== TAIL_PATH) return false;
    const dialect = dialectOf(req);
    if (dialect === undefined) return false;
    serveTail(req, res, claims, dialect);
    return true;
  };

  function serveTail(req: Request, res: Response, claims: TokenClaims | undefined, dialect: Dialect): void {
    const started = performance.now();
    onStart?.(RPC);
    let guarded: Guarded | undefined;
    let detach: (() => void) | undefined;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    // Entries written to the stream that the transport has not taken yet: how far behind the client is.
    let unflushed = 0;

    const stream = openStream(res, dialect);

    const finish = (err: unknown) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      detach?.();
      const failure = err === undefined ? undefined : toConnectError(err, log, RPC);
      const code = failure === undefined ? 'OK' : codeName(failure.code);
      onCall?.(RPC, code, (performance.now() - started) / 1000);
      logCall(log, RPC, code, performance.now() - started, guarded?.actor);
      if (!res.destroyed && !res.writableEnded) {
        stream.end(failure);
        setTimeout(() => {
          if (!res.destroyed) destroy(req, res);
        }, LINGER_MS).unref();
      }
    };

    // The client left (or the connection broke): free the subscription at once.
    res.once('close', () => {
      finish(new ConnectError('the client closed the stream', Code.Canceled));
    });

    const timeoutMs = timeoutOf(req, dialect.protocol);
    if (timeoutMs instanceof ConnectError) {
      finish(timeoutMs);
      return;
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        finish(new ConnectError('the tail reached the deadline the client set', Code.DeadlineExceeded));
      }, timeoutMs);
    }

    readRequest(req, dialect, maxRequestBytes)
      .then(async (message) => {
        if (ended) return;
        guarded = await authorize(message, claims, header(req, 'authorization') ?? null);
        // The client may have left, or the deadline passed, while the caller was being checked.
        if (res.destroyed || res.writableEnded) return;
        const partId = parseId('id', message.id);
        const contains = parseLogNeedle('filter', message.filter);
        detach = hub.attach(
          partId,
          { errorsOnly: message.errorsOnly, ...(contains !== undefined && { contains }) },
          {
            deliver(batch, entries) {
              if (ended) return;
              if (unflushed + entries > bufferEntries) {
                finish(fellBehind(bufferEntries));
                return;
              }
              unflushed += entries;
              stream.write(batch.frame(dialect.format), () => {
                unflushed -= entries;
              });
            },
            end(err) {
              finish(err);
            },
          },
        );
      })
      .catch((err: unknown) => {
        finish(err);
      });
  }
}

/** The client's deadline, in milliseconds; an unreadable one is an error to answer with. */
function timeoutOf(req: Request, protocol: Protocol): number | undefined | ConnectError {
  const max = 2 ** 31 - 1;
  const parsed =
    protocol === 'connect'
      ? parseConnectTimeout(header(req, 'connect-timeout-ms') ?? null, max)
      : parseGrpcTimeout(header(req, 'grpc-timeout') ?? null, max);
  return parsed.error ?? parsed.timeoutMs;
}

/** The one request message, read whole (it is small), un-gzipped when its envelope says so. */
async function readRequest(req: Request, dialect: Dialect, maxBytes: number): Promise<appApi.TailRobotPartLogsRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes + 5) {
      throw resourceExhausted(`the request is larger than the ${maxBytes} bytes this server accepts`);
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (body.length < 5) throw invalid('the request holds no message: a server-streaming call sends exactly one');
  const flags = body[0] ?? 0;
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) {
    throw invalid('the request must hold exactly one enveloped message for a server-streaming call');
  }
  let payload: Buffer = body.subarray(5);
  if ((flags & 0x01) !== 0) {
    const encoding = header(req, dialect.protocol === 'connect' ? 'connect-content-encoding' : 'grpc-encoding');
    if (encoding !== 'gzip') throw invalid('the request message is marked compressed but names no compression it was sent with');
    try {
      payload = gunzipSync(payload, { maxOutputLength: maxBytes });
    } catch {
      throw invalid('the request message is not valid gzip, or unpacks to more than this server accepts');
    }
  }
  try {
    return dialect.format === 'binary'
      ? appApi.TailRobotPartLogsRequest.fromBinary(payload)
      : appApi.TailRobotPartLogsRequest.fromJsonString(payload.toString('utf8'));
  } catch (err) {
    throw invalid(`the request is not a TailRobotPartLogsRequest: ${err instanceof Error ? err.message : String(err)}`);
  }
}

interface OpenStream {
  write(frame: Buffer, flushed: () => void): void;
  /** Ends the stream with the call's status, the way its protocol carries one. */
  end(failure: ConnectError | undefined): void;
}

/** Sends the response headers at once (a tail may be quiet for a long time) and returns the stream's writer. */
function openStream(res: Response, { protocol, contentType }: Dialect): OpenStream {
  res.setHeader('content-type', contentType);
  // A proxy in front must pass each batch on as it comes.
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-accel-buffering', 'no');
  res.writeHead(200);
  if (!(res instanceof http2.Http2ServerResponse)) res.flushHeaders();
  const write = (frame: Uint8Array, flushed: () => void) => {
    (res as http.ServerResponse).write(frame, flushed);
  };
  return {
    write,
    end(failure) {
      switch (protocol) {
        case 'grpc': {
          const trailers = setTrailerStatus(new Headers(failure?.metadata), failure);
          (res as http2.Http2ServerResponse).addTrailers(Object.fromEntries(trailers));
          res.end();
          return;
        }
        case 'grpc-web': {
          const trailer = trailerSerialize(setTrailerStatus(new Headers(failure?.metadata), failure));
          res.end(envelope(0x80, trailer));
          return;
        }
        case 'connect': {
          const json = endStreamToJson(failure?.metadata ?? new Headers(), failure, undefined);
          res.end(envelope(0x02, Buffer.from(JSON.stringify(json), 'utf8')));
          return;
        }
      }
    },
  };
}

function destroy(req: Request, res: Response): void {
  if (req instanceof http2.Http2ServerRequest) req.stream.close(http2.constants.NGHTTP2_CANCEL);
  else (res as http.ServerResponse).socket?.destroy();
}
