/**
 * Credentials Hangar must be able to read back (machine and location secrets, invite tokens, queued mail
 * that carries them) are stored sealed: AES-256-GCM under a key derived from the server's secret key, bound
 * to where the value is stored (its context), so a database copy alone reveals none of them and a sealed
 * value moved to another row does not open.
 */
import type { ServerKey } from './server-key.js';

const PURPOSE = 'stored-secrets';
const SEALED_PREFIX = 'v1.';

export interface SecretBox {
  seal(value: string, context: string): string;
  /** The value of a stored secret: opened if sealed, as it is if it predates sealing. */
  reveal(stored: string, context: string): string;
}

export function createSecretBox(key: ServerKey): SecretBox {
  return {
    seal: (value, context) => key.seal(value, PURPOSE, context),
    reveal: (stored, context) => (isSealed(stored) ? key.open(stored, PURPOSE, context) : stored),
  };
}

/** Sealed values carry their format version; the clear secrets of older versions never contain a dot. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

/** Where each kind of secret is stored, as the context its sealed value is bound to. */
export const SECRET_CONTEXT = {
  partSecret: (secretId: string) => `robot_part_secrets:${secretId}`,
  locationSecret: (secretId: string) => `location_secrets:${secretId}`,
  inviteToken: (inviteId: string) => `organization_invites:${inviteId}`,
  outboxBody: (messageId: string) => `outbox:${messageId}`,
} as const;

/** A new machine part secret, sealed for storage under its own id. */
export function newPartSecret(
  box: SecretBox,
  id: string,
  createdAt: string,
  secret: string,
): { id: string; secret: string; createdAt: string } {
  return { id, secret: box.seal(secret, SECRET_CONTEXT.partSecret(id)), createdAt };
}

/** A location's stored secrets, opened. */
export function revealLocationSecrets(
  box: SecretBox,
  rows: readonly { readonly id: string; readonly sealed: string; readonly createdAt: string }[],
): { id: string; secret: string; createdAt: string }[] {
  return rows.map((s) => ({ id: s.id, secret: box.reveal(s.sealed, SECRET_CONTEXT.locationSecret(s.id)), createdAt: s.createdAt }));
}

/** The part with its secrets opened. */
export function revealPartSecrets<
  P extends { readonly secrets: readonly { readonly id: string; readonly secret: string; readonly createdAt: string }[] },
>(box: SecretBox, part: P): P {
  return { ...part, secrets: part.secrets.map((s) => ({ ...s, secret: box.reveal(s.secret, SECRET_CONTEXT.partSecret(s.id)) })) };
}
