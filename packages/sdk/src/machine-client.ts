/**
 * The calls a machine makes to the server (viam.app.v1.RobotService), as viam-server and `hangar agent`
 * make them: its config, whether to restart, its logs, its registry modules' packages. It authenticates like
 * AppClient; as viam-server does, a call refused with UNAUTHENTICATED authenticates again once (the token
 * expired, or its secret was replaced) before giving up.
 */
import type { PartialMessage } from '@bufbuild/protobuf';
import { Code, createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { DataClient } from './data-client.js';
import {
  formatLogBatch,
  LOG_BATCH_HEADER,
  PackageService,
  RobotService,
  type appRobotApi,
  type commonApi,
  type LogBatchNumber,
  type Package,
  type PackageType,
} from '@hangar/wire';
import { authenticate, type Credentials } from './auth.js';
import { HangarError } from './errors.js';
import { createTransport, type Protocol } from './transport.js';

export interface MachineClientOptions {
  readonly url: string;
  readonly credentials: Credentials;
  readonly protocol?: Protocol;
}

/** A machine's calls are small; one that takes longer than this is given up and retried. */
const CALL_TIMEOUT_MS = 15_000;

/** The most entries one Log call may carry. */
export const MAX_LOG_ENTRIES_PER_CALL = 1000;

export class MachineClient {
  private token = '';

  private constructor(
    private readonly robot: Client<typeof RobotService>,
    private readonly packages: Client<typeof PackageService>,
    private readonly login: () => Promise<string>,
    private readonly renewable: boolean,
    private readonly transports: { readonly own: Transport; readonly grpc: Transport },
  ) {}

  static async connect(options: MachineClientOptions): Promise<MachineClient> {
    const protocol = options.protocol ?? 'connect';
    const bare = createTransport(options.url, protocol);
    let client: MachineClient | undefined = undefined;
    const withToken: Interceptor = (next) => async (req) => {
      req.header.set('authorization', `Bearer ${client?.token ?? ''}`);
      return next(req);
    };
    const login = () => authenticate(bare, options.credentials).catch((err: unknown) => Promise.reject(HangarError.from(err)));
    const transport = createTransport(options.url, protocol, [withToken]);
    client = new MachineClient(
      createClient(RobotService, transport),
      createClient(PackageService, transport),
      login,
      options.credentials.type !== 'access-token',
      { own: transport, grpc: protocol === 'grpc' ? transport : createTransport(options.url, 'grpc', [withToken]) },
    );
    client.token = await login();
    return client;
  }

  /**
   * Sends log entries of a part; resolves once the server has stored them. At most 1,000 per call
   * (INVALID_ARGUMENT beyond); RESOURCE_EXHAUSTED (with `retryAfterSeconds`) when the server is saturated.
   * With `batch`, a numbered batch (see LOG_BATCH_HEADER): sent again with the same number after an
   * unanswered call, it is stored once.
   */
  async log(partId: string, entries: readonly PartialMessage<commonApi.LogEntry>[], batch?: LogBatchNumber): Promise<void> {
    const headers = batch === undefined ? undefined : { [LOG_BATCH_HEADER]: formatLogBatch(batch) };
    await this.call((signal) => this.robot.log({ id: partId, logs: [...entries] }, { signal, ...(headers !== undefined && { headers }) }));
  }

  /** The part's effective config, with its `cloud` section and revision; `agentInfo` tells the server about the machine. */
  async config(partId: string, agentInfo?: PartialMessage<appRobotApi.AgentInfo>): Promise<appRobotApi.RobotConfig> {
    const res = await this.call((signal) => this.robot.config({ id: partId, ...(agentInfo !== undefined && { agentInfo }) }, { signal }));
    if (res.config === undefined) throw new HangarError(Code.Internal, 'the server sent no config');
    return res.config;
  }

  /** Whether the part was marked for restart (true once per mark), and how often to ask. */
  async needsRestart(partId: string): Promise<{ mustRestart: boolean; checkIntervalMs: number | undefined }> {
    const res = await this.call((signal) => this.robot.needsRestart({ id: partId }, { signal }));
    const interval = res.restartCheckInterval;
    return {
      mustRestart: res.mustRestart,
      checkIntervalMs: interval === undefined ? undefined : Number(interval.seconds) * 1000 + Math.floor(interval.nanos / 1e6),
    };
  }

  /**
   * A package of the machine's config (viam.app.packages.v1.PackageService/GetPackage, as viam-server asks
   * for a registry module), with the URL its archive downloads from; NOT_FOUND when the server has no such
   * version for the platform.
   */
  async getPackage(req: { id: string; version: string; type: PackageType; platform?: string }): Promise<Package> {
    const res = await this.call((signal) => this.packages.getPackage({ ...req, includeUrl: true }, { signal }));
    if (res.package === undefined) throw new HangarError(Code.Internal, 'the server sent no package');
    return res.package;
  }

  /** The access token the client holds (for a connection of the machine's own, such as its tunnel). */
  get accessToken(): string {
    return this.token;
  }

  /**
   * The machine's data uploads (and reads, where its credential allows), signed in as this client. Uploads
   * take as long as the file needs: no deadline, but the same one retry after a refused token.
   */
  dataClient(): DataClient {
    return new DataClient({
      transport: this.transports.own,
      streamTransport: this.transports.grpc,
      call: async (fn) => {
        try {
          return await fn();
        } catch (err) {
          const error = HangarError.from(err);
          if (error.code !== Code.Unauthenticated || !this.renewable) throw error;
          this.token = await this.login();
          return fn().catch((retryErr: unknown) => Promise.reject(HangarError.from(retryErr)));
        }
      },
    });
  }

  /** Authenticates again (the token was refused) and returns the new token. */
  async renewToken(): Promise<string> {
    this.token = await this.login();
    return this.token;
  }

  /** Calls with a deadline; authenticates again once when the token is refused. */
  private async call<T>(send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await send(AbortSignal.timeout(CALL_TIMEOUT_MS));
    } catch (err) {
      const error = HangarError.from(err);
      if (error.code !== Code.Unauthenticated || !this.renewable) throw error;
      this.token = await this.login();
      try {
        return await send(AbortSignal.timeout(CALL_TIMEOUT_MS));
      } catch (retryErr) {
        throw HangarError.from(retryErr);
      }
    }
  }
}
