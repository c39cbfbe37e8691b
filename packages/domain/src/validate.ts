import { invalid } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const NAME_MAX = 64;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** An id sent by a client: must be a UUID; `field` names the request field so the message says what to fix. */
export function parseId(field: string, value: string): string {
  if (value === '') throw invalid(`${field} is required`);
  if (!isUuid(value)) throw invalid(`${field} must be a UUID, got ${JSON.stringify(truncate(value))}`);
  return value;
}

export function parseOptionalId(field: string, value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : parseId(field, value);
}

// Control characters (Cc), invisible format characters such as bidi overrides and zero-width spaces (Cf),
// line and paragraph separators (Zl, Zp): a name that holds one can look like another name, or reorder
// what is printed after it on a terminal.
const HIDDEN_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Display names: trimmed, 1–64 characters, no control or invisible formatting characters. */
export function parseName(field: string, value: string, max = NAME_MAX): string {
  const name = value.trim();
  // Count code points, not UTF-16 units, so a name's limit does not depend on its script.
  const length = Array.from(name).length;
  if (length === 0) throw invalid(`${field} must not be empty`);
  if (length > max) throw invalid(`${field} must be 1–${max} characters, got ${length}`);
  const hidden = HIDDEN_OR_CONTROL.exec(name);
  if (hidden !== null) {
    const code = `U+${(hidden[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw invalid(`${field} must not contain control characters or invisible formatting (it holds ${code})`);
  }
  return name;
}

const NAMESPACE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const NAMESPACE_MAX = 40;

/** Organization namespaces: lowercase letters, digits and single dashes, as Viam's registry accepts them. */
export function parseNamespace(value: string): string {
  if (value === '') throw invalid('public_namespace must not be empty');
  if (value.length > NAMESPACE_MAX) throw invalid(`public_namespace must be at most ${NAMESPACE_MAX} characters, got ${value.length}`);
  if (!NAMESPACE.test(value)) {
    throw invalid(
      `public_namespace ${JSON.stringify(truncate(value))} may contain only lowercase letters, digits and dashes, and must start and end with a letter or digit`,
    );
  }
  return value;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function parseEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (email === '') throw invalid('email is required');
  if (email.length > 254 || !EMAIL.test(email)) throw invalid(`email ${JSON.stringify(truncate(value))} is not an email address`);
  return email;
}

export function parseEnum<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(`${field} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(truncate(value))}`);
}

/** Keeps error messages short when a client sends something huge. */
export function truncate(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
