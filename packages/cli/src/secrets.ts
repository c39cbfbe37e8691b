/**
 * Location and part secrets (Viam's SharedSecret): credentials machines connect with. Commands print them
 * because that is what was asked for, and warn on stderr that they are credentials.
 */
import type { appApi } from '@hangar/sdk';
import { usageError } from './errors.js';
import { quote } from './format.js';
import { isId } from './resolve.js';

export type SecretState = 'enabled' | 'disabled' | 'unknown';

export interface SecretJson {
  readonly id: string;
  readonly secret: string;
  readonly createdOn: string | null;
  readonly state: SecretState;
}

/** SharedSecret.State: 1 enabled, 2 disabled (the enum lives in generated code the CLI does not load). */
export function secretJson(s: appApi.SharedSecret): SecretJson {
  const state: number = s.state;
  return {
    id: s.id,
    secret: s.secret,
    createdOn: s.createdOn?.toDate().toISOString() ?? null,
    state: state === 1 ? 'enabled' : state === 2 ? 'disabled' : 'unknown',
  };
}

/** The secret in `after` that `before` lacks (the one just created); the newest if that cannot be told. */
export function newSecret(before: readonly appApi.SharedSecret[], after: readonly appApi.SharedSecret[]): appApi.SharedSecret | undefined {
  const known = new Set(before.map((s) => s.id));
  return after.find((s) => !known.has(s.id)) ?? after.at(-1);
}

/** --secret-id: a UUID, as the list commands print it. */
export function secretIdOption(opts: Record<string, unknown>, listCommand: string): string {
  const raw = typeof opts.secretId === 'string' ? opts.secretId.trim() : '';
  if (!isId(raw)) throw usageError(`--secret-id must be a secret id (a UUID), got ${quote(raw)}`, `run "${listCommand}" to find it`);
  return raw.toLowerCase();
}
