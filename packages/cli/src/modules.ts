/**
 * What the `module` and `board` commands share: the organization a module belongs to (by --org-id or
 * --public-namespace, as the seed CLI takes it), the seed's version and platform rules, and the JSON shapes
 * they print.
 */
import type { AppClient, appApi } from '@hangar/sdk';
import { CliError, usageError } from './errors.js';
import { resolveOrganization } from './resolve.js';

/** semver 2.0.0, as the seed-era CLI checks board and module versions. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const MODULE_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm32v7', 'darwin/arm64', 'darwin/amd64', 'any'] as const;

export function checkVersion(version: string): string {
  if (!SEMVER.test(version)) {
    throw usageError(
      `invalid version ${JSON.stringify(version)}: versions use the semver 2.0.0 specification`,
      'pass --version like 1.0.0 or 1.2.0-beta.1',
    );
  }
  return version;
}

export function checkPlatform(platform: string): string {
  if (!(MODULE_PLATFORMS as readonly string[]).includes(platform)) {
    throw usageError(`unsupported platform ${JSON.stringify(platform)}`, `pass --platform as one of ${MODULE_PLATFORMS.join(', ')}`);
  }
  return platform;
}

/** Semver precedence, newest first (build metadata ignored; prereleases below their release). */
export function compareVersionsDescending(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.split('+')[0]?.split(/-(.*)/s) ?? [];
    return { nums: core.split('.').map(Number), pre: pre === undefined ? [] : pre.split('.') };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if ((x.nums[i] ?? 0) !== (y.nums[i] ?? 0)) return (y.nums[i] ?? 0) - (x.nums[i] ?? 0);
  if (x.pre.length === 0 || y.pre.length === 0) return x.pre.length - y.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return 1;
    if (q === undefined) return -1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(q) - Number(p);
    if (pn !== qn) return pn ? 1 : -1;
    return q < p ? -1 : 1;
  }
  return 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The organization of --org-id (a name or id) or of --public-namespace (one of the caller's). */
export async function moduleOrganization(
  client: AppClient,
  opts: { orgId?: unknown; publicNamespace?: unknown },
): Promise<appApi.Organization> {
  const orgId = typeof opts.orgId === 'string' && opts.orgId !== '' ? opts.orgId : undefined;
  const namespace = typeof opts.publicNamespace === 'string' && opts.publicNamespace !== '' ? opts.publicNamespace : undefined;
  if (orgId !== undefined && namespace !== undefined) {
    throw usageError('--org-id and --public-namespace both name the organization; got both', 'pass only one of them');
  }
  if (orgId !== undefined) return resolveOrganization(client, orgId, '--org-id');
  if (namespace === undefined) {
    throw usageError('the module needs an organization: none given', 'pass --org-id <org> or --public-namespace <namespace>');
  }
  const match = (await client.listOrganizations()).find((o) => o.publicNamespace === namespace);
  if (match === undefined) {
    throw new CliError(`none of your organizations has the public namespace ${JSON.stringify(namespace)}`, {
      hint: 'set one with "hangar organizations update … --public-namespace", or pass --org-id instead',
      code: 'NOT_FOUND',
    });
  }
  return match;
}

/** `<prefix>:<name>` split; the prefix is a namespace or an organization id. */
export function splitModuleId(moduleId: string): { prefix: string; name: string; byOrgId: boolean } {
  const at = moduleId.indexOf(':');
  if (at <= 0 || at === moduleId.length - 1) {
    throw usageError(
      `module_id ${JSON.stringify(moduleId)} must be <namespace>:<name> or <organization id>:<name>`,
      'fix module_id in meta.json',
    );
  }
  const prefix = moduleId.slice(0, at);
  return { prefix, name: moduleId.slice(at + 1), byOrgId: UUID.test(prefix) };
}

export interface VersionJson {
  version: string;
  platforms: string[];
  entrypoint: string;
  uploaded_at: string;
}

const VISIBILITY_NAMES: Record<number, string> = { 1: 'private', 2: 'public', 3: 'public_unlisted' };

export function moduleJson(m: appApi.Module) {
  return {
    module_id: m.moduleId,
    name: m.name,
    organization_id: m.organizationId,
    public_namespace: m.publicNamespace,
    visibility: VISIBILITY_NAMES[m.visibility] ?? 'unspecified',
    url: m.url,
    description: m.description,
    entrypoint: m.entrypoint,
    models: m.models.map((x) => ({ api: x.api, model: x.model })),
    versions: m.versions.map((v): VersionJson => ({
      version: v.version,
      platforms: v.files.map((f) => f.platform),
      entrypoint: v.entrypoint,
      uploaded_at:
        v.files
          .map((f) => f.uploadedAt?.toDate().toISOString() ?? '')
          .sort()
          .at(-1) ?? '',
    })),
  };
}
