import { Code, ConnectError } from '@connectrpc/connect';

export { Code };

/** Every failed call rejects with this: the gRPC code as a number (`Code.NotFound`) and by name. */
export class HangarError extends Error {
  override readonly name = 'HangarError';
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** `NOT_FOUND`, `PERMISSION_DENIED`, … as gRPC spells them. */
  get codeName(): string {
    return codeName(this.code);
  }

  static from(err: unknown): HangarError {
    if (err instanceof HangarError) return err;
    const ce = ConnectError.from(err);
    return new HangarError(ce.code, ce.rawMessage, { cause: err });
  }
}

export function codeName(code: Code): string {
  return ((Code[code] as string | undefined) ?? 'Unknown').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}
