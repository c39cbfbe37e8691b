/**
 * Fragments: reusable configs that parts (and other fragments) reference, with a revision that increments
 * on every change and a history of earlier revisions. Visibility: private (the organization only), public
 * (every signed-in user, listed), public-unlisted (every signed-in user who knows the id). The effective
 * config of a part is computed here from the pure rules in domain/fragments/effective-config.ts, loading
 * the fragments it needs level by level (one query per level of nesting).
 */
import {
  identityOf,
  can,
  canonicalJson,
  effectiveConfig,
  encodePageToken,
  failedPrecondition,
  invalid,
  notFound,
  organizationScope,
  parseFragmentMods,
  parseFragmentRefs,
  parseName,
  parsePartConfig,
  decodePageToken,
  type Actor,
  type EffectiveConfig,
  type Fragment,
  type FragmentHistoryEntry,
  type FragmentLookup,
  type FragmentRef,
  type FragmentVisibility,
  type JsonObject,
  type Page,
} from '@hangar/domain';
import { fragments, locations, parts, type Database, type Executor } from '@hangar/store';
import { createHash } from 'node:crypto';
import type { Limits } from '../settings.js';

export interface FragmentsDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly limits: Limits;
}

export interface FragmentWithUsage {
  readonly fragment: Fragment;
  readonly usage: fragments.FragmentUsage;
}

export interface FragmentUpdate {
  readonly name: string;
  readonly config?: JsonObject;
  readonly visibility?: FragmentVisibility;
  readonly lastKnownUpdate?: Date;
}

/** A part's effective config, with a revision that changes exactly when the config does. */
export interface PartEffectiveConfig extends EffectiveConfig {
  readonly revision: string;
}

const NO_USAGE: fragments.FragmentUsage = { parts: 0, organizations: 0, partsInOwner: 0 };

/** A revision id of an effective config: the same config, in any key order, gives the same id. */
export function configRevision(config: JsonObject): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

function isVisibleTo(fragment: Fragment, organizationIds: readonly string[]): boolean {
  return fragment.visibility !== 'private' || organizationIds.includes(fragment.organizationId);
}

export function createFragmentsService({ db, now, newId, limits }: FragmentsDeps) {
  const configLimits = { maxBytes: limits.maxConfigBytes, maxDepth: limits.maxConfigDepth };

  /** Validates a config that may reference fragments: its own shape, its refs and its mods. */
  function parseReferencingConfig(value: JsonObject | undefined, field: string): JsonObject {
    const config = parsePartConfig(value, configLimits, field);
    parseFragmentRefs(config, `${field}.fragments`);
    parseFragmentMods(config, `${field}.fragment_mods`);
    return config;
  }

  async function withUsage(list: readonly Fragment[]): Promise<FragmentWithUsage[]> {
    const usage = await fragments.fragmentUsage(db, list);
    return list.map((fragment) => ({ fragment, usage: usage.get(fragment.id) ?? NO_USAGE }));
  }

  /**
   * Every fragment a config may need, loaded breadth first: one query per level for current revisions and
   * one per pinned earlier revision, whatever the number of fragments. Returns the lookup the pure
   * resolution uses; a fragment the organizations cannot see looks missing.
   */
  async function loadLookup(
    tx: Executor,
    config: JsonObject,
    organizationIds: readonly string[],
    override?: Fragment,
  ): Promise<FragmentLookup> {
    const current = new Map<string, Fragment>();
    const pinned = new Map<string, Fragment>();
    if (override !== undefined) current.set(override.id, override);
    let frontier: FragmentRef[] = parseFragmentRefs(config);
    for (let level = 0; level <= limits.maxFragmentDepth && frontier.length > 0; level++) {
      const missing = [...new Set(frontier.map((r) => r.id.toLowerCase()))].filter((id) => !current.has(id));
      for (const f of await fragments.findFragments(tx, missing)) current.set(f.id, f);
      const next: FragmentRef[] = [];
      for (const ref of frontier) {
        const id = ref.id.toLowerCase();
        const head = current.get(id);
        let used = head;
        if (ref.version !== undefined && head !== undefined && ref.version !== head.revision) {
          const key = `${id}@${ref.version}`;
          if (!pinned.has(key)) {
            const old = await fragments.findFragmentRevision(tx, id, ref.version);
            if (old !== undefined) pinned.set(key, old);
          }
          used = pinned.get(key);
        }
        if (used !== undefined) next.push(...parseFragmentRefs(used.config));
      }
      frontier = next;
    }
    return (ref) => {
      const id = ref.id.toLowerCase();
      const head = current.get(id);
      const f = ref.version === undefined || head?.revision === ref.version ? head : pinned.get(`${id}@${ref.version}`);
      if (f === undefined || !isVisibleTo(f, organizationIds)) return undefined;
      return { id: f.id, name: f.name, revision: f.revision, config: f.config };
    };
  }

  async function resolve(
    tx: Executor,
    config: JsonObject,
    organizationIds: readonly string[],
    override?: Fragment,
  ): Promise<PartEffectiveConfig> {
    const lookup = await loadLookup(tx, config, organizationIds, override);
    const resolved = effectiveConfig(config, lookup, { maxFragmentDepth: limits.maxFragmentDepth });
    return { ...resolved, revision: configRevision(resolved.config) };
  }

  async function organizationsOfLocation(tx: Executor, locationId: string): Promise<readonly string[]> {
    return (await locations.locationScope(tx, locationId))?.organizationIds ?? [];
  }

  async function readableById(id: string): Promise<Fragment> {
    const fragment = await fragments.findFragment(db, id);
    if (fragment === undefined) throw notFound('fragment', id);
    return fragment;
  }

  async function readable(actor: Actor, id: string): Promise<Fragment> {
    const fragment = await fragments.findFragment(db, id);
    if (
      fragment === undefined ||
      !(fragment.visibility !== 'private' || can(actor, 'org.read', organizationScope(fragment.organizationId)))
    ) {
      throw notFound('fragment', id);
    }
    return fragment;
  }

  return {
    resolve,

    /**
     * Checks the form of a part's fragment references and mods (INVALID_ARGUMENT when malformed) and returns
     * the ids it references directly, to index. Whether they resolve is decided when the effective config is
     * computed: a part config is stored as sent, and a fragment can change or vanish after it was saved.
     */
    checkPartConfig(config: JsonObject): string[] {
      parseFragmentMods(config);
      return parseFragmentRefs(config).map((r) => r.id.toLowerCase());
    },

    /** The part's effective config as its machine receives it. */
    async forPart(partId: string): Promise<PartEffectiveConfig> {
      const part = await parts.findPart(db, partId);
      if (part === undefined) throw notFound('machine part', partId);
      return resolve(db, part.config, await organizationsOfLocation(db, part.locationId));
    },

    /** The fragment (at `version`, when given), if the caller may see it. */
    async get(actor: Actor, id: string, version: string | undefined): Promise<FragmentWithUsage> {
      const fragment = await readable(actor, id);
      let shown = fragment;
      if (version !== undefined && version !== '' && version !== String(fragment.revision)) {
        if (!/^[1-9][0-9]{0,9}$/.test(version))
          throw invalid(`version must be a revision number, got ${JSON.stringify(version.slice(0, 20))}`);
        const old = await fragments.findFragmentRevision(db, id, Number(version));
        if (old === undefined) throw notFound(`revision of fragment ${id}`, version);
        shown = old;
      }
      const [withCount] = await withUsage([shown]);
      if (withCount === undefined) throw notFound('fragment', id);
      return withCount;
    },

    async list(organizationId: string, showPublic: boolean, visibilities: readonly FragmentVisibility[]): Promise<FragmentWithUsage[]> {
      const own =
        visibilities.length === 0 && !showPublic
          ? await fragments.listFragmentsOfOrganization(db, organizationId, ['private'])
          : await fragments.listFragmentsOfOrganization(db, organizationId, visibilities);
      const othersPublic = visibilities.length === 0 ? showPublic : visibilities.includes('public');
      const others = othersPublic ? await fragments.listPublicFragments(db, organizationId) : [];
      return withUsage([...own, ...others]);
    },

    async create(
      organizationId: string,
      rawName: string,
      config: JsonObject | undefined,
      visibility: FragmentVisibility,
    ): Promise<FragmentWithUsage> {
      const name = parseName('name', rawName);
      const parsed = parseReferencingConfig(config, 'config');
      const at = now().toISOString();
      const fragment: Omit<Fragment, 'organizationName'> = {
        id: newId(),
        organizationId,
        name,
        config: parsed,
        visibility,
        revision: 1,
        createdAt: at,
        updatedAt: at,
      };
      await db.transaction().execute(async (tx) => {
        await resolve(tx, { fragments: [fragment.id] }, [organizationId], { ...fragment, organizationName: '' });
        await fragments.insertFragment(tx, fragment);
      });
      const [created] = await withUsage([await readableById(fragment.id)]);
      if (created === undefined) throw notFound('fragment', fragment.id);
      return created;
    },

    /** A new revision: the fragment as it was goes to its history, with who changed it. */
    async update(actor: Actor, id: string, change: FragmentUpdate): Promise<FragmentWithUsage> {
      const name = parseName('name', change.name);
      const config = change.config === undefined ? undefined : parseReferencingConfig(change.config, 'config');
      await db.transaction().execute(async (tx) => {
        await fragments.lockFragment(tx, id);
        const current = await fragments.findFragment(tx, id);
        if (current === undefined) throw notFound('fragment', id);
        if (change.lastKnownUpdate !== undefined && Date.parse(current.updatedAt) > change.lastKnownUpdate.getTime()) {
          throw failedPrecondition(
            `fragment ${id} was changed at ${current.updatedAt}, after the last_known_update sent; fetch it again and reapply your change`,
          );
        }
        const next = { ...current, name, config: config ?? current.config, visibility: change.visibility ?? current.visibility };
        const unchanged =
          next.name === current.name &&
          next.visibility === current.visibility &&
          canonicalJson(next.config) === canonicalJson(current.config);
        if (unchanged) return;
        const at = now().toISOString();
        const revised = { ...next, revision: current.revision + 1, updatedAt: at };
        // The new config must resolve (no cycle back to itself, no conflict among its own fragments).
        await resolve(tx, { fragments: [id] }, [current.organizationId], revised);
        await fragments.insertFragmentHistory(tx, {
          id: newId(),
          fragmentId: id,
          at,
          old: current,
          editor: identityOf(actor),
        });
        await fragments.pruneFragmentHistory(tx, id, limits.fragmentHistoryMaxEntries);
        await fragments.updateFragment(tx, id, revised);
      });
      const [updated] = await withUsage([await readableById(id)]);
      if (updated === undefined) throw notFound('fragment', id);
      return updated;
    },

    /** Refused while any part or other fragment uses it, so no machine loses part of its config by surprise. */
    async delete(id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await fragments.lockFragment(tx, id);
        const fragment = await fragments.findFragment(tx, id);
        if (fragment === undefined) throw notFound('fragment', id);
        const usage = (await fragments.fragmentUsage(tx, [fragment])).get(id) ?? NO_USAGE;
        if (usage.parts > 0) {
          throw failedPrecondition(
            `fragment ${id} is used by ${usage.parts} machine part${usage.parts === 1 ? '' : 's'}; remove it from their configs first (hangar robots part fragments remove …)`,
          );
        }
        const including = await fragments.listFragmentsReferencing(tx, id);
        if (including.length > 0) {
          throw failedPrecondition(
            `fragment ${id} is included by ${including.length} other fragment(s) (${including.slice(0, 5).join(', ')}); remove it from them first`,
          );
        }
        await fragments.deleteFragment(tx, id);
      });
    },

    async history(actor: Actor, id: string, pageToken: string, pageLimit: number): Promise<Page<FragmentHistoryEntry>> {
      await readable(actor, id);
      if (!Number.isInteger(pageLimit) || pageLimit < 1 || pageLimit > 1000) throw invalid(`page_limit must be 1–1000, got ${pageLimit}`);
      const { entries, more } = await fragments.listFragmentHistory(db, id, decodePageToken(pageToken), pageLimit);
      const last = entries.at(-1);
      return { items: entries, nextPageToken: more && last !== undefined ? encodePageToken({ key: last.at, id: last.id }) : '' };
    },

    /** The fragments a machine's parts use (nested ones too), and the others asked about, each once. */
    async forMachine(actor: Actor, robotId: string, additional: readonly string[]): Promise<FragmentWithUsage[]> {
      const machineParts = await parts.listParts(db, robotId);
      const seen = new Map<string, Fragment>();
      for (const part of machineParts) {
        const resolved = await resolve(db, part.config, await organizationsOfLocation(db, part.locationId)).catch(() => undefined);
        const ids = resolved?.fragments.map((f) => f.id) ?? parseFragmentRefs(part.config).map((r) => r.id);
        for (const f of await fragments.findFragments(
          db,
          ids.filter((i) => !seen.has(i)),
        ))
          seen.set(f.id, f);
      }
      for (const id of additional) if (!seen.has(id)) seen.set(id, await readable(actor, id));
      return withUsage(
        [...seen.values()].filter((f) => f.visibility !== 'private' || can(actor, 'org.read', organizationScope(f.organizationId))),
      );
    },
  };
}

export type FragmentsService = ReturnType<typeof createFragmentsService>;
