/**
 * Machine data: what machines upload (tabular readings, binary captures and files) and what users query,
 * export and delete. Where an upload comes from (its part, machine, location and organization) is taken
 * from the part, never from the message. Binary bytes go to the blob store first and the row is written
 * after, so a listed file can always be read and a failed upload leaves nothing listed. Every query is
 * confined to the data the caller's grants reach (`readable`), so other organizations' data is never
 * seen, not even in counts.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import {
  failedPrecondition,
  grantsAllowing,
  invalid,
  notFound,
  permissionDenied,
  resourceExhausted,
  type Action,
  type Actor,
  type JsonObject,
} from '@hangar/domain';
import { data, dataDbUsers, type Database } from '@hangar/store';
import { BlobTooLargeError, type BlobStore } from '../blobs/blob-store.js';
import { collectUnreferenced } from '../blobs/collect-unreferenced.js';
import type { Logger } from '../log.js';

export interface DataDeps {
  readonly db: Database;
  readonly blobs: BlobStore;
  readonly now: () => Date;
  readonly log: Logger;
  /** The largest binary file accepted, in bytes. */
  readonly maxFileBytes: number;
  /** Which engine holds the data, and its URL (direct access is for PostgreSQL; the URL names host and database). */
  readonly database: { readonly engine: 'sqlite' | 'postgres'; readonly url: string };
}

export interface DatabaseConnection {
  readonly hostname: string;
  /** A connection URI with YOUR-PASSWORD-HERE in place of the password, as Viam hands it out. */
  readonly uri: string;
  readonly hasDatabaseUser: boolean;
}

const DIRECT_ACCESS_NEEDS_POSTGRES =
  'direct database access needs the PostgreSQL backend (hangar server --database-url postgres://…); on SQLite use "hangar data export" instead';

/** A SCRAM-SHA-256 verifier (RFC 5802/7677, as PostgreSQL stores passwords): the password itself never reaches the database. */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** What an upload says about itself (UploadMetadata), less what is taken from its part. */
export interface UploadMeta {
  readonly partId: string;
  readonly componentType: string;
  readonly componentName: string;
  readonly methodName: string;
  /** JSON of the method parameters, as kept (see schema.ts). */
  readonly methodParameters: string;
  readonly tags: readonly string[];
  readonly fileName: string;
  readonly fileExtension: string;
  readonly mimeType: string;
  /** Datasets of the part's organization to put an uploaded file in. */
  readonly datasetIds?: readonly string[];
}

export interface Reading {
  /** When the machine asked for the reading; the time it arrives when the machine did not say. */
  readonly timeRequestedUs?: number;
  /** When the reading came back; the requested time when not said. */
  readonly timeReceivedUs?: number;
  readonly data: JsonObject;
}

export interface BboxInput {
  readonly label: string;
  readonly xMin: number;
  readonly yMin: number;
  readonly xMax: number;
  readonly yMax: number;
  readonly confidence?: number;
}

export interface CaptureTimes {
  readonly timeRequestedUs?: number;
  readonly timeReceivedUs?: number;
  /** What came with a capture: boxes (kept in their table), and classifications as JSON. */
  readonly annotations?: { readonly bboxes: readonly BboxInput[]; readonly classifications: string };
  /** From SensorMetadata's enum, when it said one. */
  readonly mimeType?: string;
}

export interface StoredBinary {
  readonly fileId: string;
  readonly binaryDataId: string;
}

export interface BinaryQuery {
  readonly filter: data.DataFilter;
  readonly page: data.PageOptions;
}

export type BinaryRow = data.BinaryRow;
export type TabularRow = data.TabularRow;

/** A page of binary data, and the cursor of its last item ('' for an empty page). */
export interface BinaryPage {
  readonly rows: readonly BinaryRow[];
  readonly last: data.Cursor | undefined;
}

const DELETE_BATCH = 1000;
const MAX_BBOXES_PER_FILE = 1000;
const MAX_TAGGED_PER_CALL = 100_000;
const MAX_TAGS = 100;
const MAX_TAG_LENGTH = 256;
const MAX_READINGS_PER_UPLOAD = 100_000;
const DAY_US = 86_400_000_000;

/** rdk utils/mime.go: the MIME type of a capture by its file extension. */
export function mimeTypeOfExtension(extension: string): string {
  switch (extension.toLowerCase().replace(/^\./, '')) {
    case 'jpeg':
    case 'jpg':
      return 'image/jpeg';
    case 'png':
      return 'image/png';
    case 'pcd':
      return 'pointcloud/pcd';
    case 'mp4':
      return 'video/mp4';
    default:
      return 'application/octet-stream';
  }
}

const MAX_LABEL_LENGTH = 256;

/** A bounding box as the API gives it: a label, and 0 ≤ min ≤ max ≤ 1 on both axes. */
export function checkBbox(field: string, box: BboxInput): BboxInput {
  if (box.label.trim() === '' || box.label.length > MAX_LABEL_LENGTH)
    throw invalid(`${field}.label must be 1–${MAX_LABEL_LENGTH} characters`);
  const inUnit = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;
  if (![box.xMin, box.yMin, box.xMax, box.yMax].every(inUnit))
    throw invalid(`${field}: coordinates are normalized to the image and must be between 0 and 1`);
  if (box.xMin > box.xMax || box.yMin > box.yMax) throw invalid(`${field}: x_min must not exceed x_max, nor y_min y_max`);
  if (box.confidence !== undefined && !inUnit(box.confidence)) throw invalid(`${field}.confidence must be between 0 and 1`);
  return box;
}

function bboxRow(binaryId: string, box: BboxInput, atUs: number): data.BboxRow {
  return {
    id: randomUUID(),
    binary_id: binaryId,
    label: box.label,
    x_min: box.xMin,
    y_min: box.yMin,
    x_max: box.xMax,
    y_max: box.yMax,
    confidence: box.confidence ?? null,
    time_created_us: atUs,
  };
}

/** A file id as Viam's look: 64 characters; binary_data_id adds the organization and location. */
const newFileId = () => randomBytes(32).toString('hex');
/** `count` ids from one draw of randomness (a reading upload takes one per reading). */
function newFileIds(count: number): string[] {
  const hex = randomBytes(32 * count).toString('hex');
  return Array.from({ length: count }, (_, i) => hex.slice(i * 64, (i + 1) * 64));
}
export const binaryDataIdOf = (row: Pick<BinaryRow, 'organization_id' | 'location_id' | 'id'>) =>
  `${row.organization_id}/${row.location_id}/${row.id}`;

/** `<org>/<location>/<file id>` or a bare file id → the file id. */
export function fileIdOf(binaryDataId: string): string {
  const parts = binaryDataId.split('/');
  const id = parts[parts.length - 1] ?? '';
  if (id === '' || parts.length > 3)
    throw invalid(`binary data id ${JSON.stringify(binaryDataId)} is not <organization id>/<location id>/<file id>`);
  return id;
}

/**
 * The cut-off of DeleteTabularData (data.proto): N days keeps today (UTC) and the N−1 days before it;
 * 0 deletes everything.
 */
export function tabularCutoffUs(now: Date, olderThanDays: number): number | undefined {
  if (olderThanDays === 0) return undefined;
  const startOfToday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) * 1000;
  return startOfToday - (olderThanDays - 1) * DAY_US;
}

function checkTags(tags: readonly string[]): void {
  if (tags.length > MAX_TAGS) throw invalid(`at most ${MAX_TAGS} tags per upload, got ${tags.length}`);
  for (const tag of tags) {
    if (tag === '' || tag.length > MAX_TAG_LENGTH)
      throw invalid(`tags must be 1–${MAX_TAG_LENGTH} characters, got ${JSON.stringify(tag.slice(0, 40))}`);
  }
}

/** A page of rows and the cursor after its last (none for an empty page). */
function keysetPage<R extends { readonly id: string; readonly time_requested_us: number }>(rows: R[]) {
  const lastRow = rows.at(-1);
  return { rows, last: lastRow && { timeUs: lastRow.time_requested_us, id: lastRow.id } };
}

export function createDataService({ db, blobs, now, log, maxFileBytes, database }: DataDeps) {
  const nowUs = () => now().getTime() * 1000;

  async function originOf(partId: string): Promise<data.CaptureOrigin> {
    const origin = await data.captureOrigin(db, partId);
    if (origin === undefined) throw notFound('machine part', partId);
    return origin;
  }

  /** The data `action` reaches through the actor's grants (see store/data.ts#readableFrom). */
  async function readable(actor: Actor, action: Action): Promise<data.Readable> {
    const grants = grantsAllowing(actor, action);
    const ids = (type: string) => grants.filter((g) => g.resourceType === type).map((g) => g.resourceId);
    return data.readableFrom(db, { organizationIds: ids('organization'), locationIds: ids('location'), robotIds: ids('robot') });
  }

  function captureColumns(origin: data.CaptureOrigin, meta: UploadMeta, times: { requested: number; received: number }, mimeType: string) {
    return {
      organization_id: origin.organizationId,
      location_id: origin.locationId,
      robot_id: origin.robotId,
      robot_name: origin.robotName,
      part_id: origin.partId,
      part_name: origin.partName,
      component_type: meta.componentType,
      component_name: meta.componentName,
      method_name: meta.methodName,
      method_parameters: meta.methodParameters,
      mime_type: mimeType,
      time_requested_us: times.requested,
      time_received_us: times.received,
      time_synced_us: nowUs(),
    };
  }

  /** The datasets an upload names: each must be one of the organization's. */
  async function datasetsOf(organizationId: string, ids: readonly string[]): Promise<string[]> {
    for (const id of ids) {
      const found = await data.findDataset(db, id);
      if (found?.organization_id !== organizationId)
        throw invalid(`dataset ${JSON.stringify(id)} is not one of organization ${organizationId}'s: create it there first`);
    }
    return [...new Set(ids)];
  }

  /**
   * The files of these ids, in the order asked, each one the caller may change (owner rights on it):
   * PERMISSION_DENIED names the first it sees but does not own, NOT_FOUND the first it cannot see.
   */
  async function ownedFiles(actor: Actor, ids: readonly string[]): Promise<BinaryRow[]> {
    if (ids.length === 0) throw invalid('no ids: give binary_data_ids (or binary_ids)');
    const byId = new Map((await data.findBinaryByIds(db, ids, await readable(actor, 'data.admin'))).map((r) => [r.id, r]));
    const rows: BinaryRow[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      if (row !== undefined) {
        rows.push(row);
        continue;
      }
      // Visible but not the caller's to change: PERMISSION_DENIED; invisible: as if missing.
      const seen = await data.findBinaryByIds(db, [id], await readable(actor, 'data.read'));
      if (seen.length > 0)
        throw permissionDenied(`tagging data needs the owner role on its organization, location or machine; ${id} is not yours to change`);
      throw notFound('binary data', id);
    }
    return rows;
  }

  /** One file the caller may change, by `<org>/<location>/<file id>` or bare file id. */
  async function ownedFile(actor: Actor, binaryDataId: string): Promise<BinaryRow> {
    const [row] = await ownedFiles(actor, [fileIdOf(binaryDataId)]);
    if (row === undefined) throw notFound('binary data', binaryDataId);
    return row;
  }

  /** Collects blobs that no row points at any more; a failure leaves them for a later delete to retry. */
  const collect = (sha256s: readonly string[]) => collectUnreferenced(db, blobs, log, sha256s);

  /** The files a tag change applies to: the ids given (each must be one the caller owns), or every match. */
  async function targetIds(actor: Actor, target: { ids: readonly string[] } | { filter: data.DataFilter }): Promise<string[]> {
    if ('ids' in target) return [...new Set((await ownedFiles(actor, target.ids)).map((r) => r.id))];
    const scope = await readable(actor, 'data.admin');
    const ids: string[] = [];
    // Bounded: a tag change by filter touches at most this many files per call.
    ids.push(...(await data.binaryIdsMatching(db, target.filter, scope, MAX_TAGGED_PER_CALL + 1)));
    if (ids.length > MAX_TAGGED_PER_CALL)
      throw invalid(`the filter matches more than ${MAX_TAGGED_PER_CALL} files: narrow it (for example by time) and tag in parts`);
    return ids;
  }

  return {
    readable,
    ownedFiles,

    /** AddBoundingBoxToImageByID: a box on a file the caller owns; returns its id. */
    async addBbox(actor: Actor, binaryDataId: string, box: BboxInput): Promise<string> {
      checkBbox('bounding box', box);
      const file = await ownedFile(actor, binaryDataId);
      if (file.bboxes.length >= MAX_BBOXES_PER_FILE) throw invalid(`a file has at most ${MAX_BBOXES_PER_FILE} bounding boxes`);
      const row = bboxRow(file.id, box, nowUs());
      await data.insertBbox(db, row);
      return row.id;
    },

    async removeBbox(actor: Actor, binaryDataId: string, bboxId: string): Promise<void> {
      const file = await ownedFile(actor, binaryDataId);
      if (!(await data.deleteBbox(db, file.id, bboxId))) throw notFound('bounding box', bboxId);
    },

    /** UpdateBoundingBox: the fields given change, the rest stay; the result is checked whole. */
    async updateBbox(actor: Actor, binaryDataId: string, bboxId: string, patch: Partial<BboxInput>): Promise<BboxInput> {
      const file = await ownedFile(actor, binaryDataId);
      const current = await data.findBbox(db, file.id, bboxId);
      if (current === undefined) throw notFound('bounding box', bboxId);
      const merged: { -readonly [K in keyof BboxInput]: BboxInput[K] } = {
        label: patch.label ?? current.label,
        xMin: patch.xMin ?? current.x_min,
        yMin: patch.yMin ?? current.y_min,
        xMax: patch.xMax ?? current.x_max,
        yMax: patch.yMax ?? current.y_max,
      };
      const confidence = patch.confidence ?? current.confidence;
      if (confidence !== null) Object.assign(merged, { confidence });
      // Checked whole before it is written: a patch may be fine alone and wrong with what it keeps.
      checkBbox('bounding box', merged);
      await data.updateBbox(db, { ...bboxRow(file.id, merged, current.time_created_us), id: current.id });
      return merged;
    },

    async bboxLabels(actor: Actor, filter: data.DataFilter): Promise<string[]> {
      return data.bboxLabelsMatching(db, filter, await readable(actor, 'data.read'));
    },

    /** DataCaptureUpload of tabular readings: all rows in one transaction, acknowledged once committed. */
    async uploadReadings(meta: UploadMeta, readings: readonly Reading[]): Promise<string> {
      if (readings.length === 0) throw invalid('sensor_contents is empty: a tabular upload needs at least one reading');
      if (readings.length > MAX_READINGS_PER_UPLOAD)
        throw invalid(`at most ${MAX_READINGS_PER_UPLOAD} readings per upload, got ${readings.length}: split the upload`);
      checkTags(meta.tags);
      const origin = await originOf(meta.partId);
      const uploadId = newFileId();
      const tags = JSON.stringify([...new Set(meta.tags)]);
      const at = nowUs();
      const ids = newFileIds(readings.length);
      const rows = readings.map((r, i) => ({
        id: ids[i] ?? newFileId(),
        upload_id: uploadId,
        ...captureColumns(
          origin,
          meta,
          { requested: r.timeRequestedUs ?? at, received: r.timeReceivedUs ?? r.timeRequestedUs ?? at },
          meta.mimeType,
        ),
        tags,
        data: JSON.stringify(r.data),
      }));
      await db.transaction().execute((tx) => data.insertTabular(tx, rows));
      return uploadId;
    },

    /** A binary capture or file: streamed into the blob store, then recorded. */
    async uploadBinary(
      meta: UploadMeta,
      capture: CaptureTimes,
      source: AsyncIterable<Uint8Array>,
      signal?: AbortSignal,
    ): Promise<StoredBinary> {
      checkTags(meta.tags);
      const origin = await originOf(meta.partId);
      const datasetIds = await datasetsOf(origin.organizationId, meta.datasetIds ?? []);
      let blob;
      try {
        blob = await blobs.put(source, { maxBytes: maxFileBytes, ...(signal !== undefined && { signal }) });
      } catch (err) {
        if (err instanceof BlobTooLargeError)
          throw resourceExhausted(`the file is larger than this server's limit of ${maxFileBytes} bytes (--max-upload-mb)`);
        throw err;
      }
      const at = nowUs();
      const extension = meta.fileExtension !== '' ? meta.fileExtension : extensionOf(meta.fileName);
      const mimeType = meta.mimeType !== '' ? meta.mimeType : (capture.mimeType ?? mimeTypeOfExtension(extension));
      const row = {
        id: newFileId(),
        ...captureColumns(origin, meta, { requested: capture.timeRequestedUs ?? at, received: capture.timeReceivedUs ?? at }, mimeType),
        file_name: meta.fileName,
        file_ext: extension,
        annotations: JSON.stringify({ classifications: JSON.parse(capture.annotations?.classifications ?? '[]') as unknown }),
        size_bytes: blob.size,
        sha256: blob.sha256,
      };
      const bboxes = (capture.annotations?.bboxes ?? []).map((b) => bboxRow(row.id, b, at));
      try {
        await db.transaction().execute((tx) => data.insertBinary(tx, row, { tags: meta.tags, bboxes, datasetIds }));
      } catch (err) {
        await collect([blob.sha256]);
        throw err;
      }
      return { fileId: row.id, binaryDataId: binaryDataIdOf(row) };
    },

    async binaryPage(actor: Actor, query: BinaryQuery): Promise<BinaryPage> {
      return keysetPage(await data.listBinary(db, query.filter, await readable(actor, 'data.read'), query.page));
    },

    async countBinary(actor: Actor, filter: data.DataFilter) {
      return data.countBinary(db, filter, await readable(actor, 'data.read'));
    },

    /** The rows of these ids, in the order asked; NOT_FOUND names the first the caller cannot read. */
    async binaryByIds(actor: Actor, ids: readonly string[]): Promise<BinaryRow[]> {
      if (ids.length === 0) throw invalid('no ids: give binary_data_ids (or binary_ids)');
      const found = await data.findBinaryByIds(db, ids, await readable(actor, 'data.read'));
      const byId = new Map(found.map((r) => [r.id, r]));
      return ids.map((id) => {
        const row = byId.get(id);
        if (row === undefined) throw notFound('binary data', id);
        return row;
      });
    },

    /** A file by its id, for a signed link (the signature stands in for the caller's grants). */
    async binaryByLink(fileId: string): Promise<BinaryRow | undefined> {
      return data.findBinaryById(db, fileId);
    },

    /** The bytes of one blob (for include_binary and the download link). */
    readBlob(sha256: string, range?: { start: number; end: number }) {
      return blobs.read(sha256, range);
    },

    async deleteBinaryByFilter(actor: Actor, filter: data.DataFilter): Promise<number> {
      const scope = await readable(actor, 'data.admin');
      let deleted = 0;
      for (;;) {
        const ids = await data.binaryIdsMatching(db, filter, scope, DELETE_BATCH);
        if (ids.length === 0) return deleted;
        const sha256s = await db.transaction().execute((tx) => data.deleteBinaryRows(tx, ids));
        deleted += ids.length;
        await collect(sha256s);
      }
    },

    async deleteBinaryByIds(actor: Actor, ids: readonly string[]): Promise<number> {
      if (ids.length === 0) throw invalid('no ids: give binary_data_ids (or binary_ids)');
      const found = await data.findBinaryByIds(db, ids, await readable(actor, 'data.admin'));
      const sha256s = await db.transaction().execute((tx) =>
        data.deleteBinaryRows(
          tx,
          found.map((r) => r.id),
        ),
      );
      await collect(sha256s);
      return found.length;
    },

    /** Adds tags to the files (by id, or all matching a filter) the caller owns; returns how many files. */
    async addTags(
      actor: Actor,
      target: { ids: readonly string[] } | { filter: data.DataFilter },
      tags: readonly string[],
    ): Promise<number> {
      if (tags.length === 0) throw invalid('tags is empty: give at least one tag to add');
      checkTags(tags);
      const ids = await targetIds(actor, target);
      await db.transaction().execute((tx) => data.addTags(tx, ids, tags));
      return ids.length;
    },

    /** Removes tags from the files the caller owns; returns how many tags were removed. */
    async removeTags(
      actor: Actor,
      target: { ids: readonly string[] } | { filter: data.DataFilter },
      tags: readonly string[],
    ): Promise<number> {
      if (tags.length === 0) throw invalid('tags is empty: give at least one tag to remove');
      const ids = await targetIds(actor, target);
      return db.transaction().execute((tx) => data.removeTags(tx, ids, tags));
    },

    async tagsByFilter(actor: Actor, filter: data.DataFilter): Promise<string[]> {
      return data.tagsMatching(db, filter, await readable(actor, 'data.read'));
    },

    async tabularPage(actor: Actor, query: BinaryQuery) {
      return keysetPage(await data.listTabular(db, query.filter, await readable(actor, 'data.read'), query.page));
    },

    /**
     * Reads readings in bulk (an export): tabularPage's pages without the capture metadata, which every
     * reading of an upload shares and `wholeRows` reads once per upload. What the caller may read is worked
     * out once, when the reader is made.
     */
    async readingsReader(actor: Actor) {
      const scope = await readable(actor, 'data.read');
      return {
        page: async (query: BinaryQuery) => keysetPage(await data.listReadings(db, query.filter, scope, query.page)),
        /** Whole rows by id: only for ids `page` answered (it confined them). */
        wholeRows: (ids: readonly string[]) => data.tabularRowsByIds(db, ids),
      };
    },

    async countTabular(actor: Actor, filter: data.DataFilter) {
      return data.countTabular(db, filter, await readable(actor, 'data.read'));
    },

    /** DeleteTabularData: the method table checked owner rights on the organization. */
    async deleteTabular(organizationId: string, olderThanDays: number): Promise<number> {
      if (!Number.isInteger(olderThanDays) || olderThanDays < 0)
        throw invalid(`delete_older_than_days must be 0 or more, got ${olderThanDays}`);
      const cutoff = tabularCutoffUs(now(), olderThanDays);
      let deleted = 0;
      for (;;) {
        const n = await data.deleteTabularBefore(db, organizationId, cutoff, DELETE_BATCH * 10);
        deleted += n;
        if (n === 0) return deleted;
      }
    },

    /** ConfigureDatabaseUser: creates the organization's read-only login role, or sets its password. */
    async configureDatabaseUser(organizationId: string, password: string): Promise<void> {
      if (database.engine !== 'postgres') throw failedPrecondition(DIRECT_ACCESS_NEEDS_POSTGRES);
      if (password.length < 8 || password.length > 256) throw invalid('password must be 8–256 characters');
      if (!(await dataDbUsers.canCreateRoles(db)))
        throw failedPrecondition(
          "this server's PostgreSQL role may not create roles: grant it CREATEROLE (ALTER ROLE <hangar's role> CREATEROLE), then try again",
        );
      const readers = await dataDbUsers.ensureReaderSetup(db);
      await dataDbUsers.upsertDatabaseUser(db, organizationId, scramVerifier(password), readers);
    },

    /** GetDatabaseConnection: where to connect, as whom (the password left for the user to fill in). */
    async databaseConnection(organizationId: string): Promise<DatabaseConnection> {
      if (database.engine !== 'postgres') throw failedPrecondition(DIRECT_ACCESS_NEEDS_POSTGRES);
      const url = new URL(database.url);
      const sslmode = (await dataDbUsers.sslEnabled(db)) ? 'require' : 'disable';
      const user = `${dataDbUsers.DB_USER_PREFIX}${organizationId}`;
      const port = url.port === '' ? '5432' : url.port;
      return {
        hostname: url.hostname,
        uri: `postgresql://${user}:YOUR-PASSWORD-HERE@${url.host.includes(':') ? url.host : `${url.hostname}:${port}`}${url.pathname}?sslmode=${sslmode}`,
        hasDatabaseUser: await dataDbUsers.hasDatabaseUser(db, organizationId),
      };
    },

    /** One retention batch: readings and files captured before `beforeUs`, at most `batch` of each. */
    async expireBatch(beforeUs: number, batch: number): Promise<{ readings: number; files: number }> {
      const readings = await data.deleteTabularOlderThan(db, beforeUs, batch);
      const ids = await data.binaryIdsOlderThan(db, beforeUs, batch);
      const sha256s = ids.length === 0 ? [] : await db.transaction().execute((tx) => data.deleteBinaryRows(tx, ids));
      await collect(sha256s);
      return { readings, files: ids.length };
    },

    async latestReading(actor: Actor, key: { partId: string; componentName: string; componentType: string; methodName: string }) {
      const yearAgo = nowUs() - 365 * DAY_US;
      return data.latestTabular(db, key, await readable(actor, 'data.read'), yearAgo);
    },
  };
}

export type DataService = ReturnType<typeof createDataService>;

function extensionOf(fileName: string): string {
  const base = fileName.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}
