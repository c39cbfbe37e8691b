import { Code, ConnectError } from '@connectrpc/connect';

export { Code };

/** Every failed call rejects with this: the gRPC code as a number (`Code.NotFound`) and by name. */
export class HangarError extends Error {
  override readonly name = 'HangarError';
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** For RESOURCE_EXHAUSTED: how long the server asked to wait before trying again (its `retry-after`). */
  readonly retryAfterSeconds: number | undefined;

  /** `NOT_FOUND`, `PERMISSION_DENIED`, … as gRPC spells them. */
  get codeName(): string {
    return codeName(this.code);
  }

  static from(err: unknown): HangarError {
    if (err instanceof HangarError) return err;
    const ce = ConnectError.from(err);
    const retryAfter = ce.metadata.get('retry-after');
    const retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
    return new HangarError(ce.code, ce.rawMessage, { cause: err, retryAfterSeconds });
  }
}

export function codeName(code: Code): string {
  return ((Code[code] as string | undefined) ?? 'Unknown').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}
