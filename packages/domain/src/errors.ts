/** What went wrong, in the terms of the fleet API; server/src/rpc/errors.ts maps each kind to one gRPC code. */
export type ErrorKind =
  | 'invalid'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'unauthenticated'
  | 'failed_precondition'
  | 'resource_exhausted'
  /** The server cannot serve the call now (shutting down, its database unreachable): retrying may work. */
  | 'unavailable'
  /** The work took longer than the server allows it (a user's query past its time limit). */
  | 'deadline_exceeded';

/**
 * The only error services throw on purpose. Its message goes to the client verbatim, so it must say what
 * was wrong and what is accepted, and never carry a secret, SQL, a path or a stack.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** For resource_exhausted: when a retry may succeed (sent as `retry-after`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const invalid = (message: string): DomainError => new DomainError('invalid', message);
export const notFound = (what: string, id: string): DomainError => new DomainError('not_found', `${what} ${JSON.stringify(id)} not found`);
export const failedPrecondition = (message: string): DomainError => new DomainError('failed_precondition', message);
export const alreadyExists = (message: string): DomainError => new DomainError('already_exists', message);
export const permissionDenied = (message: string): DomainError => new DomainError('permission_denied', message);
export const unauthenticated = (message: string): DomainError => new DomainError('unauthenticated', message);
export const resourceExhausted = (message: string, retryAfterSeconds?: number): DomainError =>
  new DomainError('resource_exhausted', message, retryAfterSeconds);

export const unavailable = (message: string, retryAfterSeconds?: number): DomainError =>
  new DomainError('unavailable', message, retryAfterSeconds);

export const deadlineExceeded = (message: string): DomainError => new DomainError('deadline_exceeded', message);
export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
