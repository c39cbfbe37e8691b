/**
 * The calls a machine makes to the server (viam.app.v1.RobotService), as viam-server and `hangar agent`
 * make them: for now, sending its logs. It authenticates like AppClient and renews an expired token once.
 */
import type { PartialMessage } from '@bufbuild/protobuf';
import { Code, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { RobotService, type commonApi } from '@hangar/wire';
import { authenticate, type Credentials } from './auth.js';
import { HangarError } from './errors.js';
import { createTransport, type Protocol } from './transport.js';

export interface MachineClientOptions {
  readonly url: string;
  readonly credentials: Credentials;
  readonly protocol?: Protocol;
}

/** The most entries one Log call may carry. */
export const MAX_LOG_ENTRIES_PER_CALL = 1000;

export class MachineClient {
  private token = '';

  private constructor(
    private readonly robot: Client<typeof RobotService>,
    private readonly login: () => Promise<string>,
    private readonly renewable: boolean,
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
    client = new MachineClient(
      createClient(RobotService, createTransport(options.url, protocol, [withToken])),
      login,
      options.credentials.type !== 'access-token',
    );
    client.token = await login();
    return client;
  }

  /**
   * Sends log entries of a part; resolves once the server has stored them. At most 1,000 per call
   * (INVALID_ARGUMENT beyond); RESOURCE_EXHAUSTED (with `retryAfterSeconds`) when the server is saturated.
   */
  async log(partId: string, entries: readonly PartialMessage<commonApi.LogEntry>[]): Promise<void> {
    const send = () => this.robot.log({ id: partId, logs: [...entries] });
    try {
      await send();
    } catch (err) {
      const error = HangarError.from(err);
      if (error.code !== Code.Unauthenticated || !this.renewable || !error.message.includes('expired')) throw error;
      this.token = await this.login();
      try {
        await send();
      } catch (retryErr) {
        throw HangarError.from(retryErr);
      }
    }
  }
}
