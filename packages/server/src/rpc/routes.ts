/**
 * Builds the AppService implementation from the method table and the features' handlers. Every call goes
 * through one wrapper: authenticate → validate and resolve the target → policy → handler → map errors →
 * one debug log line. No handler can skip a step.
 */
import { MethodKind, type Message, type PartialMessage } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import type { Actor } from '@hangar/domain';
import { AppService } from '@hangar/wire';
import type { AuthService } from '../auth/auth.service.js';
import type { Logger } from '../log.js';
import type { Access, Check } from './access.js';
import { toConnectError } from './errors.js';
import type { AppMethodName, MethodTable, RequestOf } from './methods.js';

type AppMethods = (typeof AppService)['methods'];
type Init<T> = T extends Message<infer U> ? PartialMessage<U> : never;
export type ResponseOf<M extends AppMethodName> = Init<InstanceType<AppMethods[M]['O']>>;

/** What a handler knows about its call: who is calling, and a signal that fires when the client leaves. */
export interface Call {
  readonly actor: Actor;
  readonly signal: AbortSignal;
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
}

export type AppHandlers = {
  readonly [M in AppMethodName]?: AppMethods[M]['kind'] extends MethodKind.ServerStreaming
    ? (req: RequestOf<M>, call: Call) => AsyncIterable<ResponseOf<M>>
    : (req: RequestOf<M>, call: Call) => Promise<ResponseOf<M>>;
};

export interface RouteDeps {
  readonly methods: MethodTable;
  readonly handlers: AppHandlers;
  readonly auth: AuthService;
  readonly access: Access;
  readonly log: Logger;
}

type AnyHandler = (req: unknown, call: Call) => Promise<unknown> | AsyncIterable<unknown>;
type AnyEntry = MethodTable[AppMethodName];

export function registerAppService(router: ConnectRouter, deps: RouteDeps): void {
  const impl: Record<string, unknown> = {};
  for (const [local, info] of Object.entries(AppService.methods)) {
    const name = local as AppMethodName;
    const entry: AnyEntry = deps.methods[name];
    const handler = deps.handlers[name] as AnyHandler | undefined;
    if (entry === 'unimplemented') {
      if (handler !== undefined) throw new Error(`AppService.${info.name} has a handler but is marked unimplemented in METHODS`);
      impl[local] = unimplemented(info.name, info.kind);
      continue;
    }
    if (handler === undefined) throw new Error(`AppService.${info.name} is in METHODS but has no handler`);
    const guard = guardFor(entry, deps);
    impl[local] =
      info.kind === MethodKind.ServerStreaming
        ? streamingHandler(info.name, guard, handler as (req: unknown, call: Call) => AsyncIterable<unknown>, deps.log)
        : unaryHandler(info.name, guard, handler as (req: unknown, call: Call) => Promise<unknown>, deps.log);
  }
  router.service(AppService, impl);
}

type Guard = (req: unknown, ctx: HandlerContext) => Promise<Actor>;

function guardFor(entry: Exclude<AnyEntry, 'unimplemented'>, { auth, access }: RouteDeps): Guard {
  return async (req, ctx) => {
    const actor = await auth.actorFromHeader(ctx.requestHeader.get('authorization'));
    if ('requires' in entry) {
      const checks = (entry.requires as (r: unknown) => Check | readonly Check[])(req);
      await access.authorize(actor, Array.isArray(checks) ? checks : [checks as Check]);
    }
    return actor;
  };
}

/** Times a call, maps its failure to a wire error, and logs one line when it ends. */
function observe(rpc: string, log: Logger) {
  const started = performance.now();
  let code = 'ok';
  let actor: Actor | undefined;
  return {
    identified(who: Actor): Actor {
      actor = who;
      return who;
    },
    failed(err: unknown): ConnectError {
      const failure = toConnectError(err, log, rpc);
      code = Code[failure.code];
      return failure;
    },
    finished(): void {
      logCall(log, rpc, code, started, actor);
    },
  };
}

function unaryHandler(rpc: string, guard: Guard, handler: (req: unknown, call: Call) => Promise<unknown>, log: Logger) {
  return async (req: unknown, ctx: HandlerContext) => {
    const call = observe(rpc, log);
    try {
      return await handler(req, callOf(call.identified(await guard(req, ctx)), ctx));
    } catch (err) {
      throw call.failed(err);
    } finally {
      call.finished();
    }
  };
}

function streamingHandler(rpc: string, guard: Guard, handler: (req: unknown, call: Call) => AsyncIterable<unknown>, log: Logger) {
  return async function* (req: unknown, ctx: HandlerContext) {
    const call = observe(rpc, log);
    try {
      yield* handler(req, callOf(call.identified(await guard(req, ctx)), ctx));
    } catch (err) {
      throw call.failed(err);
    } finally {
      call.finished();
    }
  };
}

function callOf(actor: Actor, ctx: HandlerContext): Call {
  return { actor, signal: ctx.signal, requestHeader: ctx.requestHeader, responseHeader: ctx.responseHeader };
}

function unimplemented(rpc: string, kind: MethodKind) {
  const error = () => new ConnectError(`viam.app.v1.AppService/${rpc} is not implemented by this Hangar server yet`, Code.Unimplemented);
  if (kind === MethodKind.ServerStreaming) {
    // eslint-disable-next-line require-yield
    return async function* () {
      await Promise.resolve();
      throw error();
    };
  }
  return () => Promise.reject(error());
}

function logCall(log: Logger, rpc: string, code: string, started: number, actor: Actor | undefined): void {
  if (!log.isLevelEnabled('debug')) return;
  log.debug({ rpc, code, ms: Math.round((performance.now() - started) * 100) / 100, actor: actor && `${actor.kind}:${actor.id}` }, 'rpc');
}
