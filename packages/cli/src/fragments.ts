/**
 * Fragments: reusable configs that parts (and other fragments) include. Their JSON shapes, the
 * --visibility and --revision flags, how --fragment resolves (an id, or a name among your organizations'
 * fragments), and a part config's `fragments` / `fragment_mods` lists.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { AppClient, Fragment, FragmentHistoryEntry, FragmentVisibility, JsonObject, JsonValue } from '@hangar/sdk';
import { CliError, usageError } from './errors.js';
import { editorJson, quote, type EditorJson } from './format.js';
import { byName, isId } from './resolve.js';
import { loadedSdk } from './sdk.js';

export const VISIBILITIES = ['private', 'public', 'public_unlisted'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface FragmentJson {
  readonly id: string;
  readonly name: string;
  readonly organizationId: string;
  readonly organizationName: string;
  readonly visibility: FragmentVisibility;
  /** Increments with every change; `{ "id": …, "version": "<revision>" }` in a part's fragments pins one. */
  readonly revision: string;
  /** How many parts use it, and in how many organizations. */
  readonly robotPartCount: number;
  readonly organizationCount: number;
  readonly onlyUsedByOwner: boolean;
  readonly createdOn: string | null;
  readonly lastUpdated: string | null;
}

export function fragmentJson(f: Fragment): FragmentJson {
  return {
    id: f.id,
    name: f.name,
    organizationId: f.organizationOwner,
    organizationName: f.organizationName,
    visibility: f.visibility,
    revision: f.revision,
    robotPartCount: f.robotPartCount,
    organizationCount: f.organizationCount,
    onlyUsedByOwner: f.onlyUsedByOwner,
    createdOn: f.createdOn?.toISOString() ?? null,
    lastUpdated: f.lastUpdated?.toISOString() ?? null,
  };
}

export interface FragmentWithConfigJson extends FragmentJson {
  readonly config: JsonObject;
}

export function fragmentWithConfigJson(f: Fragment): FragmentWithConfigJson {
  return { ...fragmentJson(f), config: f.fragment };
}

/** One earlier revision: the fragment as it was before an edit, and who made the edit when. */
export interface FragmentHistoryJson {
  readonly editedOn: string | null;
  readonly editedBy: EditorJson | null;
  readonly revision: string | null;
  readonly name: string | null;
  readonly visibility: FragmentVisibility | null;
  readonly config: JsonObject | null;
}

export function fragmentHistoryJson(e: FragmentHistoryEntry): FragmentHistoryJson {
  return {
    editedOn: e.editedOn?.toISOString() ?? null,
    editedBy: editorJson(e.editedBy),
    revision: e.old?.revision ?? null,
    name: e.old?.name ?? null,
    visibility: e.old?.visibility ?? null,
    config: e.old?.fragment ?? null,
  };
}

/** "public unlisted" for humans. */
export function visibilityText(v: FragmentVisibility): string {
  return v.replace('_', ' ');
}

function parseVisibility(value: string): Visibility {
  const v = value.trim().toLowerCase().replace('-', '_');
  if (!(VISIBILITIES as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(`expected one of ${VISIBILITIES.join(', ')}`);
  }
  return v as Visibility;
}

/** --visibility of `fragments create|update`: one value. */
export function visibilityOption(description: string): Option {
  return new Option('--visibility <visibility>', `${description}: ${VISIBILITIES.join(', ')}`).argParser(parseVisibility);
}

/** --visibility of `fragments list`: repeatable, or comma-separated. */
export function visibilitiesOption(description: string): Option {
  return new Option('--visibility <visibility>', `${description}: ${VISIBILITIES.join(', ')} (repeat, or separate with commas)`).argParser(
    (value: string, previous: Visibility[] | undefined) => [
      ...(previous ?? []),
      ...value
        .split(',')
        .filter((v) => v.trim() !== '')
        .map(parseVisibility),
    ],
  );
}

/** --revision <n>: a revision number, as `fragments history` prints them. */
export function revisionOption(opts: Record<string, unknown>): string | undefined {
  const raw = opts.revision;
  if (typeof raw !== 'string') return undefined;
  const v = raw.trim();
  if (!/^[1-9][0-9]{0,9}$/.test(v)) {
    throw usageError(
      `--revision must be a revision number such as 3, got ${quote(v)}`,
      'run "hangar fragments history --fragment <id>" to see them',
    );
  }
  return v;
}

/** --fragment, trimmed and not empty. */
export function fragmentInput(opts: Record<string, unknown>): string {
  const v = typeof opts.fragment === 'string' ? opts.fragment.trim() : '';
  if (v === '') throw usageError('--fragment must not be empty', 'run "hangar fragments list" to find the name or id');
  return v;
}

/** The fragments of every organization the session is in (each once). */
export async function fragmentsOfYourOrganizations(client: AppClient): Promise<Fragment[]> {
  const orgs = await client.listOrganizations();
  const ids = new Set(orgs.map((o) => o.id));
  const lists = await Promise.all(orgs.map((o) => client.listFragments(o.id, false, [...VISIBILITIES]).catch(unlessDenied)));
  const seen = new Map<string, Fragment>();
  for (const f of lists.flat()) if (ids.has(f.organizationOwner) && !seen.has(f.id)) seen.set(f.id, f);
  return [...seen.values()];
}

/** An organization whose fragments the session may not list (it holds a role only on a location or machine there) has none to offer. */
export function unlessDenied(err: unknown): Fragment[] {
  const sdk = loadedSdk();
  if (sdk !== undefined && err instanceof sdk.HangarError && err.code === sdk.Code.PermissionDenied) return [];
  throw err;
}

/**
 * A fragment by id (any you may see, public ones of other organizations too), or by name among the
 * fragments of your organizations; with `version`, that revision of it.
 */
export async function resolveFragment(client: AppClient, input: string, version?: string, flag = '--fragment'): Promise<Fragment> {
  if (isId(input)) return client.getFragment(input.toLowerCase(), version);
  const matches = byName(await fragmentsOfYourOrganizations(client), input);
  const [first, ...rest] = matches;
  if (first === undefined) {
    throw new CliError(`no fragment named ${quote(input)} in your organizations`, {
      code: 'NOT_FOUND',
      hint: 'run "hangar fragments list" to see them, and pass a name or id from it (another organization\'s public fragment by its id)',
    });
  }
  if (rest.length > 0) {
    throw new CliError(
      `${matches.length} fragments are named ${quote(input)}: ${matches.map((f) => `${f.id} (${quote(f.organizationName)})`).join(', ')}`,
      { code: 'INVALID_ARGUMENT', hint: `pass the id instead: ${flag} <id>` },
    );
  }
  return version === undefined || version === first.revision ? first : client.getFragment(first.id, version);
}

// A part config's references to fragments.

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The id an entry of `fragments` names: a string, or `{ "id": … }`. */
function refId(entry: JsonValue): string | undefined {
  const id = isObject(entry) ? entry.id : entry;
  return typeof id === 'string' ? id.toLowerCase() : undefined;
}

function refVersion(entry: JsonValue): string | undefined {
  if (!isObject(entry)) return undefined;
  const v = entry.version;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

function listAt(config: JsonObject, key: 'fragments' | 'fragment_mods'): JsonValue[] {
  const value = config[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new CliError(`the part's config has a "${key}" that is not a list`, {
      code: 'FAILED_PRECONDITION',
      hint: 'fix it with "hangar robots part config get" and "hangar robots part config set", then run this again',
    });
  }
  return value;
}

/** The fragment ids a part config includes, in order. */
export function fragmentIdsOf(config: JsonObject): string[] {
  return listAt(config, 'fragments').flatMap((e) => refId(e) ?? []);
}

/**
 * The config with the fragment included (`{ "id": … }`, or `{ "id": …, "version": … }` pinned), or
 * undefined when it already is, as asked. An entry of the same id with another pin is replaced in place.
 */
export function withFragment(config: JsonObject, id: string, version: string | undefined): JsonObject | undefined {
  const list = listAt(config, 'fragments');
  const entry: JsonObject = version === undefined ? { id } : { id, version };
  const at = list.findIndex((e) => refId(e) === id);
  if (at === -1) return { ...config, fragments: [...list, entry] };
  const existing = list[at];
  if (existing === undefined || version === undefined || refVersion(existing) === version) return undefined;
  return { ...config, fragments: list.map((e, i) => (i === at ? entry : e)) };
}

/** The config without any entry for the fragment in `fragments` or `fragment_mods`; undefined when it has none. */
export function withoutFragment(config: JsonObject, id: string): JsonObject | undefined {
  const fragments = listAt(config, 'fragments');
  const mods = listAt(config, 'fragment_mods');
  const keptFragments = fragments.filter((e) => refId(e) !== id);
  const keptMods = mods.filter((m) => !(isObject(m) && typeof m.fragment_id === 'string' && m.fragment_id.toLowerCase() === id));
  if (keptFragments.length === fragments.length && keptMods.length === mods.length) return undefined;
  const next: JsonObject = { ...config };
  if (config.fragments !== undefined) next.fragments = keptFragments;
  if (config.fragment_mods !== undefined) next.fragment_mods = keptMods;
  return next;
}

/** The line after `robots part fragments add|remove`: the part's fragments now. */
export function partFragmentsText(ids: readonly string[]): string {
  return ids.length === 0 ? 'The part includes no fragments now.' : `Fragments of the part now: ${ids.join(', ')}`;
}
