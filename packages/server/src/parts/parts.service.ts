import {
  identityOf,
  alreadyExists,
  canonicalJson,
  invalid,
  dnsLabel,
  encodePageToken,
  failedPrecondition,
  notFound,
  parseName,
  parsePartConfig,
  type Actor,
  type JsonObject,
  type Page,
  type PartHistoryEntry,
  type RobotPart,
} from '@hangar/domain';
import { fragments, isUniqueViolation, parts, robots, type Database, type Executor } from '@hangar/store';
import { generateKeySecret } from '../auth/secrets.js';
import { newPartSecret, revealPartSecrets, type SecretBox } from '../crypto/secret-box.js';
import { refuseOverQuota } from '../quotas.js';
import type { PageRequest } from '../rpc/paging.js';
import type { Limits } from '../settings.js';

export interface PartsDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly limits: Limits;
  readonly box: SecretBox;
  /** Checks a new config's fragment references and mods and returns the fragments it references directly. */
  readonly checkFragments: (config: JsonObject) => string[];
}

/** What a part or history entry costs on the wire besides its config (ids, names, fqdns, timestamps). */
const PART_OVERHEAD_BYTES = 1024;

/** The protos document at most two secrets per part at a time (one to rotate to). */
export const MAX_PART_SECRETS = 2;

export interface PartUpdate {
  readonly name: string;
  /** undefined keeps the config. */
  readonly config?: JsonObject | undefined;
  /** The part's last update as the client knew it; a newer one means someone else changed it meanwhile. */
  readonly lastKnownUpdate?: Date | undefined;
}

export function createPartsService({ db, now, newId, limits, box, checkFragments }: PartsDeps) {
  const sizedPage = (page: PageRequest | undefined) => ({
    limit: page?.limit,
    maxBytes: limits.maxResponseBytes,
    overheadBytes: PART_OVERHEAD_BYTES,
  });
  const configLimits = { maxBytes: limits.maxConfigBytes, maxDepth: limits.maxConfigDepth };

  /** The part as stored: its secrets sealed (enough for rules that only count or compare ids). */
  async function find(tx: Executor, id: string): Promise<RobotPart> {
    const part = await parts.findPart(tx, id);
    if (part === undefined) throw notFound('machine part', id);
    return part;
  }

  /** The part as callers get it: its secrets opened. */
  const reveal = (part: RobotPart): RobotPart => revealPartSecrets(box, part);

  /** The part, locked for the rest of the transaction so concurrent changes apply one after the other. */
  async function findLocked(tx: Executor, id: string): Promise<RobotPart> {
    await parts.lockPart(tx, id);
    return find(tx, id);
  }

  const nameTaken = (name: string, where: string) =>
    alreadyExists(
      `a machine part named ${JSON.stringify(name)} (DNS name ${JSON.stringify(dnsLabel(name))}) already exists in ${where}; part names, as DNS names, are unique within a location`,
    );

  return {
    get: async (id: string) => reveal(await find(db, id)),

    /**
     * The machine's parts, main first; one page when asked for. Either way at most --max-response-bytes of
     * configs: the rest follows on the next page. The machine's existence was established by the method table.
     */
    async list(robotId: string, page: PageRequest | undefined): Promise<Page<RobotPart>> {
      const result = await parts.listPartsPage(db, robotId, page?.cursor?.id, sizedPage(page));
      if (result === undefined) throw invalid('page token does not belong to this machine; start again with an empty page token');
      const last = result.parts.at(-1);
      return {
        items: result.parts.map(reveal),
        nextPageToken: result.more && last !== undefined ? encodePageToken({ key: last.createdAt, id: last.id }) : '',
      };
    },

    async getByName(locationId: string, rawName: string): Promise<RobotPart> {
      const name = parseName('name', rawName);
      const part = await parts.findPartByName(db, locationId, name);
      if (part === undefined) throw notFound(`machine part in location ${locationId} named`, name);
      return reveal(part);
    },

    async create(robotId: string, rawName: string): Promise<string> {
      const name = parseName('part_name', rawName);
      const id = newId();
      const at = now().toISOString();
      try {
        await db.transaction().execute(async (tx) => {
          await robots.lockRobot(tx, robotId);
          const robot = await robots.findRobot(tx, robotId);
          if (robot === undefined) throw notFound('machine', robotId);
          if ((await parts.findPartIdByDnsName(tx, robot.locationId, name)) !== undefined)
            throw nameTaken(name, `location ${robot.locationId}`);
          const count = await parts.countParts(tx, robotId);
          refuseOverQuota(limits, 'maxPartsPerMachine', count, `machine ${robotId}`, 'parts');
          // A machine without parts gets its first one as main.
          const isMain = count === 0;
          await parts.insertPart(
            tx,
            { id, robotId, locationId: robot.locationId, name, isMain, config: {}, createdAt: at },
            newPartSecret(box, newId(), at, generateKeySecret()),
          );
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(name, 'the location of this machine');
        throw err;
      }
      return id;
    },

    /** Renames the part and/or replaces its config, recording the part as it was and who changed it. */
    async update(actor: Actor, id: string, change: PartUpdate): Promise<RobotPart> {
      const name = parseName('name', change.name);
      const config = change.config === undefined ? undefined : parsePartConfig(change.config, configLimits);
      const referenced = config === undefined ? [] : checkFragments(config);
      try {
        await db.transaction().execute(async (tx) => {
          const current = await findLocked(tx, id);
          if (change.lastKnownUpdate !== undefined && Date.parse(current.updatedAt) > change.lastKnownUpdate.getTime()) {
            throw failedPrecondition(
              `machine part ${id} was changed at ${current.updatedAt}, after the last_known_update sent; fetch it again and reapply your change`,
            );
          }
          const renamed = name !== current.name;
          // Struct fields have no order: the same object with its keys reordered is no change.
          const reconfigured = config !== undefined && canonicalJson(config) !== canonicalJson(current.config);
          if (!renamed && !reconfigured) return;
          if (renamed) {
            const holder = await parts.findPartIdByDnsName(tx, current.locationId, name);
            if (holder !== undefined && holder !== id) throw nameTaken(name, `location ${current.locationId}`);
          }
          const at = now().toISOString();
          await parts.insertHistory(tx, {
            id: newId(),
            partId: id,
            robotId: current.robotId,
            at,
            // History keeps what was configured, not credentials: a revoked secret must not live on there.
            old: { ...current, secrets: [] },
            editor: identityOf(actor),
          });
          await parts.pruneHistory(tx, id, limits.partHistoryMaxEntries, limits.partHistoryMaxBytes);
          if (reconfigured) await fragments.setPartFragments(tx, id, referenced);
          await parts.updatePart(tx, id, { ...(renamed && { name }), ...(reconfigured && { config }), updatedAt: at });
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(name, 'the location of this part');
        throw err;
      }
      return reveal(await find(db, id));
    },

    /** The main part goes last: while other parts exist, mark another one main first. */
    async delete(id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const part = await findLocked(tx, id);
        if (part.isMain && (await parts.countParts(tx, part.robotId)) > 1) {
          throw failedPrecondition(
            `machine part ${id} is the main part of machine ${part.robotId}; mark another part as main before deleting it`,
          );
        }
        await parts.deletePart(tx, id);
      });
    },

    /** Exactly one main part per machine, switched in one statement. */
    async markAsMain(id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const part = await findLocked(tx, id);
        await parts.setMainPart(tx, part.robotId, id);
      });
    },

    /** Sets the flag the machine reads on its next check-in (RobotService.NeedsRestart). */
    async markForRestart(id: string): Promise<void> {
      await find(db, id);
      await parts.setNeedsRestart(db, id, true);
    },

    /** Newest first; one page when asked for, else all of it; either way at most --max-response-bytes. */
    async history(id: string, page: PageRequest | undefined): Promise<Page<PartHistoryEntry>> {
      await find(db, id);
      const { entries, more } = await parts.listHistory(db, id, page?.cursor, sizedPage(page));
      const last = entries.at(-1);
      return { items: entries, nextPageToken: more && last !== undefined ? encodePageToken({ key: last.at, id: last.id }) : '' };
    },

    async createSecret(id: string): Promise<RobotPart> {
      await db.transaction().execute(async (tx) => {
        const part = await findLocked(tx, id);
        if (part.secrets.length >= MAX_PART_SECRETS) {
          throw failedPrecondition(
            `machine part ${id} already has ${MAX_PART_SECRETS} secrets; delete the old one before creating another`,
          );
        }
        await parts.insertSecret(tx, id, newPartSecret(box, newId(), now().toISOString(), generateKeySecret()));
      });
      return reveal(await find(db, id));
    },

    async deleteSecret(id: string, secretId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const part = await findLocked(tx, id);
        if (!part.secrets.some((s) => s.id === secretId)) throw notFound(`secret of machine part ${id}`, secretId);
        if (part.secrets.length === 1)
          throw failedPrecondition(`secret ${secretId} is the last secret of machine part ${id}; create a new one first`);
        await parts.deleteSecret(tx, id, secretId);
      });
    },
  };
}

export type PartsService = ReturnType<typeof createPartsService>;
