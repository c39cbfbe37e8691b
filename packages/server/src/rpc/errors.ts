import { Code, ConnectError } from '@connectrpc/connect';
import { assertNever, isDomainError, type ErrorKind } from '@hangar/domain';
import { randomBytes } from 'node:crypto';
import { isForeignKeyViolation } from '@hangar/store';
import type { Logger } from '../log.js';

/** The only mapping from domain errors to gRPC codes; a new kind will not compile until it is mapped here. */
export function codeOf(kind: ErrorKind): Code {
  switch (kind) {
    case 'invalid':
      return Code.InvalidArgument;
    case 'not_found':
      return Code.NotFound;
    case 'already_exists':
      return Code.AlreadyExists;
    case 'permission_denied':
      return Code.PermissionDenied;
    case 'unauthenticated':
      return Code.Unauthenticated;
    case 'failed_precondition':
      return Code.FailedPrecondition;
    case 'resource_exhausted':
      return Code.ResourceExhausted;
    case 'unavailable':
      return Code.Unavailable;
    case 'deadline_exceeded':
      return Code.DeadlineExceeded;
    default:
      return assertNever(kind);
  }
}

/**
 * Known errors keep their message; anything else becomes Internal with a short reference, and only the log
 * gets the cause, so SQL, paths and stacks never reach a client.
 */
export function toConnectError(err: unknown, log: Logger, rpc: string): ConnectError {
  if (isDomainError(err)) {
    const metadata = err.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(err.retryAfterSeconds) };
    return new ConnectError(err.message, codeOf(err.kind), metadata);
  }
  if (err instanceof ConnectError) return err;
  // A write that raced a delete of what it refers to (a part added as its machine is deleted): the
  // checks passed, then the row went. Nothing was written; the caller can look again and retry.
  if (isForeignKeyViolation(err)) {
    return new ConnectError(
      'a resource this request refers to was deleted while it ran; nothing was changed — check it still exists',
      Code.NotFound,
    );
  }
  const ref = randomBytes(3).toString('hex');
  log.error({ err, rpc, ref }, 'internal error');
  return new ConnectError(`internal error (ref ${ref}); the server log has the details`, Code.Internal);
}
