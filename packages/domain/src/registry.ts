/**
 * The registry's rules that need no database: item names and ids, module versions (semver 2.0) and
 * platforms, and the version constraints configs use to pick a module version.
 */
import semver from 'semver';
import { invalid } from './errors.js';
import { truncate } from './validate.js';

export const REGISTRY_NAME_MAX = 64;
// Lowercase letters and digits, joined by single dashes or underscores (Viam's examples use both:
// `csi-cam-pi`, `cool_new_hoverboard_module`).
const REGISTRY_NAME = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

export function parseRegistryName(field: string, value: string): string {
  if (value === '') throw invalid(`${field} must not be empty`);
  if (value.length > REGISTRY_NAME_MAX) throw invalid(`${field} must be at most ${REGISTRY_NAME_MAX} characters, got ${value.length}`);
  if (!REGISTRY_NAME.test(value)) {
    throw invalid(
      `${field} ${JSON.stringify(truncate(value))} may contain only lowercase letters, digits, dashes and underscores, and must start and end with a letter or digit`,
    );
  }
  return value;
}

/** `<namespace or organization id>:<name>`, as item and module ids are written. */
export interface RegistryItemId {
  readonly prefix: string;
  readonly name: string;
}

/**
 * Splits an item id. Packages are addressed as `<prefix>/<name>` (viam-server's GetPackage, the board
 * command); registry calls as `<prefix>:<name>`. Both are accepted wherever an id is.
 */
export function parseRegistryItemId(field: string, value: string): RegistryItemId {
  const at = value.search(/[:/]/);
  if (at <= 0 || at === value.length - 1) {
    throw invalid(
      `${field} ${JSON.stringify(truncate(value))} must be <namespace>:<name> or <organization id>:<name>, for example acme:my-module`,
    );
  }
  const prefix = value.slice(0, at);
  const name = value.slice(at + 1);
  if (/[:/]/.test(name)) throw invalid(`${field} ${JSON.stringify(truncate(value))} has more than one separator`);
  return { prefix, name };
}

export const formatRegistryItemId = (prefix: string, name: string): string => `${prefix}:${name}`;

export const MODULE_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm32v7', 'darwin/arm64', 'darwin/amd64', 'any'] as const;
export type ModulePlatform = (typeof MODULE_PLATFORMS)[number];

export function parseModulePlatform(field: string, value: string): ModulePlatform {
  if ((MODULE_PLATFORMS as readonly string[]).includes(value)) return value as ModulePlatform;
  throw invalid(`${field} ${JSON.stringify(truncate(value))} is not a supported platform; use one of ${MODULE_PLATFORMS.join(', ')}`);
}

/** A semver 2.0 version, as written (no leading `v`, no surrounding spaces). */
export function isSemver(value: string): boolean {
  const parsed = semver.parse(value);
  // parse() drops build metadata from `version` and tolerates a leading `v` or spaces: compare exactly.
  return parsed !== null && value === `${parsed.version}${parsed.build.length > 0 ? `+${parsed.build.join('.')}` : ''}`;
}

export function parseModuleVersion(field: string, value: string): string {
  if (!isSemver(value)) {
    throw invalid(`${field} ${JSON.stringify(truncate(value))} is not a valid version: use semver 2.0, for example 1.0.0 or 1.2.0-beta.1`);
  }
  return value;
}

/**
 * A config's version constraint: an exact version, `latest`, or a range (`~1.2`, `^1`, `>=1.0.0 <2`).
 * Returns the constraint unchanged, or throws with what is accepted.
 */
export function parseVersionConstraint(field: string, value: string): string {
  if (value === 'latest' || value === '' || isSemver(value) || semver.validRange(value) !== null) return value;
  throw invalid(`${field} ${JSON.stringify(truncate(value))} is not a version, a range such as ~1.2 or ^1, or "latest"`);
}

export interface AvailableVersion {
  readonly version: string;
  readonly platform: string;
}

/**
 * The highest version that satisfies the constraint and was uploaded for the platform (or for `any`).
 * `latest` (and an empty constraint) skips prereleases; an exact prerelease still matches itself.
 */
export function resolveModuleVersion(constraint: string, available: readonly AvailableVersion[], platform: string): string | undefined {
  const candidates = [...new Set(available.filter((v) => v.platform === platform || v.platform === 'any').map((v) => v.version))];
  if (constraint === 'latest' || constraint === '') {
    return (
      semver.maxSatisfying(
        candidates.filter((v) => semver.prerelease(v) === null),
        '*',
      ) ?? undefined
    );
  }
  if (isSemver(constraint)) return candidates.includes(constraint) ? constraint : undefined;
  return semver.maxSatisfying(candidates, constraint) ?? undefined;
}

/** Newest first, by semver precedence. */
export const compareVersionsDescending = (a: string, b: string): number => semver.rcompare(a, b);

/**
 * The platform a machine reports (`agent_info.platform`: `linux/amd64`, viam-server's `linux/x86_64`
 * style, or `linux/aarch64`) in the registry's spelling.
 */
export function normalizePlatform(value: string): string {
  const [os = '', arch = ''] = value.toLowerCase().split('/');
  const ARCH: Record<string, string> = {
    x86_64: 'amd64',
    x64: 'amd64',
    aarch64: 'arm64',
    armv7l: 'arm32v7',
    arm: 'arm32v7',
    arm32: 'arm32v7',
  };
  return `${os}/${ARCH[arch] ?? arch}`;
}
