/**
 * Builds a service implementation from its method table and the features' handlers. Every call goes
 * through one wrapper: authenticate → check the request's strings and nesting → resolve targets → policy →
 * handler → map errors → one debug log line. No handler can skip a step, and each method's request-size
 * limit comes from its table entry.
 */
import { MethodKind, type Message, type PartialMessage, type ServiceType } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextKey, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import type { Actor, Scope } from '@hangar/domain';
import type { AppService } from '@hangar/wire';
import type { AuthService } from '../auth/auth.service.js';
import type { TokenClaims } from '../auth/tokens.js';
import type { Logger } from '../log.js';
import type { Limits } from '../settings.js';
import type { Access, Check } from './access.js';
import { toConnectError } from './errors.js';
import type { MethodEntry, RequestSize } from './methods.js';
import { checkRequest } from './sanitize.js';

type Methods<S extends ServiceType> = S['methods'];
type Init<T> = T extends Message<infer U> ? PartialMessage<U> : never;
export type ServiceRequest<S extends ServiceType, M extends keyof Methods<S>> = InstanceType<Methods<S>[M]['I']>;
export type ServiceResponse<S extends ServiceType, M extends keyof Methods<S>> = Init<InstanceType<Methods<S>[M]['O']>>;

/** The client's address (the TCP peer), set by the listener for every request. */
export const PEER_ADDRESS = createContextKey<string>('');
/** The host the client asked for (`Host`, or HTTP/2's `:authority`), for links handed back to it. */
export const REQUEST_HOST = createContextKey<string>('');
/** The bearer token's claims, when the HTTP layer verified them before the body was read. */
export const VERIFIED_CLAIMS = createContextKey<TokenClaims | undefined>(undefined);

/** What a handler knows about its call: who is calling, and a signal that fires when the client leaves. */
export interface Call {
  readonly actor: Actor;
  readonly signal: AbortSignal;
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
  readonly peerAddress: string;
  /** The host the client asked for (see REQUEST_HOST); '' when it sent none. */
  readonly host: string;
  /** Where the method table's checked targets sit in the hierarchy, in its order (see access.authorize). */
  readonly scopes: readonly Scope[];
}

export type ServiceHandlers<S extends ServiceType> = {
  readonly [M in keyof Methods<S>]?: Methods<S>[M]['kind'] extends MethodKind.ServerStreaming
    ? (req: ServiceRequest<S, M>, call: Call) => AsyncIterable<ServiceResponse<S, M>>
    : Methods<S>[M]['kind'] extends MethodKind.ClientStreaming
      ? /** Authorized on the stream's first message; `rest` yields the messages after it. */
        (first: ServiceRequest<S, M>, rest: AsyncIterable<ServiceRequest<S, M>>, call: Call) => Promise<ServiceResponse<S, M>>
      : (req: ServiceRequest<S, M>, call: Call) => Promise<ServiceResponse<S, M>>;
};

export type AppHandlers = ServiceHandlers<typeof AppService>;

export type ServiceMethodTable<S extends ServiceType> = { readonly [M in keyof Methods<S>]: MethodEntry<ServiceRequest<S, M>> };

export interface RouteDeps {
  readonly auth: AuthService;
  readonly access: Access;
  readonly log: Logger;
  readonly limits: Limits;
  /** A call began (for the in-flight gauges); every one ends with onCall. */
  readonly onStart?: (rpc: string) => void;
  /** Counts and times every call by method and code. */
  readonly onCall?: (rpc: string, code: string, seconds: number) => void;
  /** A machine part called with its own credential (its `last_access` moves). */
  readonly onMachineCall?: (partId: string) => void;
}

export type AnyEntry = MethodEntry<unknown>;
type AnyHandler = (req: unknown, call: Call) => Promise<unknown> | AsyncIterable<unknown>;

/** The largest request a method accepts: ordinary calls are small; configs and id lists need more. */
export function requestLimit(size: RequestSize | undefined, limits: Limits): number {
  switch (size) {
    case undefined:
      return limits.maxRequestBytes;
    // A JSON config of maxConfigBytes can grow several times over as a protobuf Struct (each value is wrapped).
    case 'config':
      return Math.max(limits.maxRequestBytes, 4 * limits.maxConfigBytes + 64 * 1024);
    // Enough for the longest id list a method takes to be refused by its count, with a clear message.
    case 'list':
      return Math.max(limits.maxRequestBytes, 4 * 1024 * 1024);
    case 'logs':
      return Math.max(limits.maxRequestBytes, limits.maxLogRequestBytes);
    case 'upload':
      return Math.max(limits.maxRequestBytes, limits.maxUploadMessageBytes);
  }
}

export function registerService<S extends ServiceType>(
  router: ConnectRouter,
  service: S,
  methods: ServiceMethodTable<S>,
  handlers: ServiceHandlers<S>,
  deps: RouteDeps,
): void {
  for (const [local, info] of Object.entries(service.methods)) {
    const entry = (methods as Record<string, AnyEntry>)[local];
    const handler = (handlers as Record<string, AnyHandler | undefined>)[local];
    const rpcName = `${service.typeName}/${info.name}`;
    if (entry === undefined) throw new Error(`${rpcName} has no entry in its method table`);
    if (entry === 'unimplemented') {
      if (handler !== undefined) throw new Error(`${rpcName} has a handler but is marked unimplemented`);
      router.rpc(service, info, unimplemented(rpcName, info.kind) as never);
      continue;
    }
    if (handler === undefined) throw new Error(`${rpcName} is in the method table but has no handler`);
    const guard = guardFor(entry, deps);
    const impl =
      info.kind === MethodKind.ServerStreaming
        ? streamingHandler(rpcName, guard, handler as (req: unknown, call: Call) => AsyncIterable<unknown>, deps)
        : info.kind === MethodKind.ClientStreaming
          ? clientStreamingHandler(rpcName, guard, handler as unknown as ClientStreamHandler, deps)
          : unaryHandler(rpcName, guard, handler as (req: unknown, call: Call) => Promise<unknown>, deps);
    router.rpc(service, info, impl as never, { readMaxBytes: requestLimit(entry.size, deps.limits) });
  }
}

export interface Guarded {
  readonly actor: Actor;
  readonly scopes: readonly Scope[];
}

type Guard = (req: unknown, ctx: HandlerContext) => Promise<Guarded>;

/**
 * Authenticate → check the request's strings and nesting → resolve targets → policy, for one method's
 * entry. Routes call it through their guard; the handlers that write their own responses (tail-http.ts)
 * call it directly, so every call is authorized the same way.
 */
export function authorizerFor<R>(methodEntry: MethodEntry<R>, { auth, access, limits, onMachineCall }: RouteDeps) {
  if (methodEntry === 'unimplemented') throw new Error('an unimplemented method has no authorizer');
  const entry = methodEntry as Exclude<AnyEntry, 'unimplemented'>;
  return async (req: unknown, claims: TokenClaims | undefined, authorization: string | null): Promise<Guarded> => {
    const actor = await auth.actorOf(claims, authorization);
    if (actor.kind === 'machine') onMachineCall?.(actor.id);
    checkRequest(req as Message, { maxConfigDepth: limits.maxConfigDepth });
    if ('requires' in entry) {
      const checks = entry.requires(req);
      return { actor, scopes: await access.authorize(actor, Array.isArray(checks) ? checks : [checks as Check]) };
    }
    if (entry.access === 'home_org_admin') access.authorizeHomeOrganizationAdmin(actor);
    return { actor, scopes: [] };
  };
}

function guardFor(entry: Exclude<AnyEntry, 'unimplemented'>, deps: RouteDeps): Guard {
  const authorize = authorizerFor(entry, deps);
  return (req, ctx) => authorize(req, ctx.values.get(VERIFIED_CLAIMS), ctx.requestHeader.get('authorization'));
}

/** `NotFound` → `NOT_FOUND`: gRPC's own spelling of a status, for logs and metrics. */
export const codeName = (code: Code): string => Code[code].replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

/** Times a call, maps its failure to a wire error, and logs and counts it when it ends. */
function observe(rpc: string, { log, onCall, onStart }: RouteDeps) {
  onStart?.(rpc);
  const started = performance.now();
  let code = 'OK';
  let actor: Actor | undefined;
  return {
    identified(who: Guarded): Guarded {
      actor = who.actor;
      return who;
    },
    failed(err: unknown): ConnectError {
      const failure = toConnectError(err, log, rpc);
      code = codeName(failure.code);
      return failure;
    },
    finished(): void {
      const ms = performance.now() - started;
      onCall?.(rpc, code, ms / 1000);
      logCall(log, rpc, code, ms, actor);
    },
  };
}

function unaryHandler(rpc: string, guard: Guard, handler: (req: unknown, call: Call) => Promise<unknown>, deps: RouteDeps) {
  return async (req: unknown, ctx: HandlerContext) => {
    const call = observe(rpc, deps);
    try {
      return await handler(req, callOf(call.identified(await guard(req, ctx)), ctx));
    } catch (err) {
      throw call.failed(err);
    } finally {
      call.finished();
    }
  };
}

function streamingHandler(rpc: string, guard: Guard, handler: (req: unknown, call: Call) => AsyncIterable<unknown>, deps: RouteDeps) {
  return async function* (req: unknown, ctx: HandlerContext) {
    const call = observe(rpc, deps);
    try {
      yield* handler(req, callOf(call.identified(await guard(req, ctx)), ctx));
    } catch (err) {
      throw call.failed(err);
    } finally {
      call.finished();
    }
  };
}

type ClientStreamHandler = (first: unknown, rest: AsyncIterable<unknown>, call: Call) => Promise<unknown>;

/**
 * How long the rest of a refused upload is still read (and dropped): clients such as connect-node's read
 * the status only once they have sent everything, and one blocked on HTTP/2 flow control would otherwise
 * wait for it forever. Bounded by the largest upload the server takes (see drain()).
 */
const DRAIN_AFTER_REFUSAL_MS = 120_000;

/**
 * A client stream is authorized on its first message (which names what the stream is for). When the call
 * fails before the client has sent everything, the rest is read and dropped for a while, within bounds:
 * a client blocked on HTTP/2 flow control would otherwise never get to read the status it was sent.
 */
function clientStreamingHandler(rpc: string, guard: Guard, handler: ClientStreamHandler, deps: RouteDeps) {
  return async (reqs: AsyncIterable<unknown>, ctx: HandlerContext) => {
    const call = observe(rpc, deps);
    const iterator = reqs[Symbol.asyncIterator]();
    const rest: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => iterator };
    try {
      const first = await iterator.next();
      if (first.done === true) throw new ConnectError(`${rpc}: the stream ended before its first message`, Code.InvalidArgument);
      return await handler(first.value, rest, callOf(call.identified(await guard(first.value, ctx)), ctx));
    } catch (err) {
      void drain(iterator, Math.max(deps.limits.maxUploadMb * 1024 * 1024, deps.limits.maxUploadMessageBytes));
      throw call.failed(err);
    } finally {
      call.finished();
    }
  };
}

async function drain(iterator: AsyncIterator<unknown>, maxBytes: number): Promise<void> {
  const deadline = Date.now() + DRAIN_AFTER_REFUSAL_MS;
  let bytes = 0;
  try {
    while (Date.now() < deadline && bytes < maxBytes) {
      const next = await iterator.next();
      if (next.done === true) return;
      bytes += (next.value as Message).toBinary().length;
    }
  } catch {
    // The client went away: nothing left to drain.
  } finally {
    await iterator.return?.().catch(() => undefined);
  }
}

function callOf({ actor, scopes }: Guarded, ctx: HandlerContext): Call {
  return {
    actor,
    scopes,
    signal: ctx.signal,
    requestHeader: ctx.requestHeader,
    responseHeader: ctx.responseHeader,
    peerAddress: ctx.values.get(PEER_ADDRESS),
    host: ctx.values.get(REQUEST_HOST),
  };
}

function unimplemented(rpc: string, kind: MethodKind) {
  const error = () => new ConnectError(`${rpc} is not implemented by this Hangar server yet`, Code.Unimplemented);
  if (kind === MethodKind.ServerStreaming) {
    // eslint-disable-next-line require-yield
    return async function* () {
      await Promise.resolve();
      throw error();
    };
  }
  return () => Promise.reject(error());
}

export function logCall(log: Logger, rpc: string, code: string, ms: number, actor: Actor | undefined): void {
  if (!log.isLevelEnabled('debug')) return;
  log.debug({ rpc, code, ms: Math.round(ms * 100) / 100, actor: actor && `${actor.kind}:${actor.id}` }, 'rpc');
}
