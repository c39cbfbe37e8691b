/**
 * Datasets (viam.app.dataset.v1.DatasetService, and DataService's add/remove by ids): named sets of an
 * organization's files, for training. A file joins only datasets of its own organization; deleting a
 * dataset leaves its files, deleting a file takes it out of every dataset. The method tables check the
 * caller's role on the dataset's organization; which files it may add, the caller's owner rights decide.
 */
import { alreadyExists, invalid, notFound, type Actor } from '@hangar/domain';
import { data, isUniqueViolation, type Database } from '@hangar/store';
import type { DataService } from './data.service.js';

export interface DatasetsDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly files: DataService;
}

/** Dataset names as Viam's ML tools accept them: letters, digits, dashes and underscores. */
const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const MAX_FILES_PER_CALL = 10_000;

function checkName(name: string): string {
  if (!DATASET_NAME.test(name))
    throw invalid(
      `dataset name ${JSON.stringify(name)}: use 1–100 letters, digits, dashes and underscores, starting with a letter or digit`,
    );
  return name;
}

export function createDatasetsService({ db, now, newId, files }: DatasetsDeps) {
  async function create(organizationId: string, name: string): Promise<string> {
    checkName(name);
    const id = newId();
    try {
      await data.insertDataset(db, { id, organization_id: organizationId, name, time_created_us: now().getTime() * 1000 });
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`organization ${organizationId} already has a dataset named ${JSON.stringify(name)}`);
      throw err;
    }
    return id;
  }

  async function existing(id: string): Promise<data.DatasetRow> {
    const found = await data.findDataset(db, id);
    if (found === undefined) throw notFound('dataset', id);
    return found;
  }

  /** The caller's own files (owner rights), all of the dataset's organization. */
  async function checkedFiles(actor: Actor, dataset: data.DatasetRow, fileIds: readonly string[]): Promise<string[]> {
    if (fileIds.length > MAX_FILES_PER_CALL) throw invalid(`at most ${MAX_FILES_PER_CALL} files per call, got ${fileIds.length}`);
    const owned = await files.ownedFiles(actor, fileIds);
    const foreign = owned.find((file) => file.organization_id !== dataset.organization_id);
    if (foreign !== undefined)
      throw invalid(
        `file ${foreign.id} belongs to organization ${foreign.organization_id}; dataset ${dataset.id} to ${dataset.organization_id}`,
      );
    return owned.map((file) => file.id);
  }

  return {
    create,

    async rename(id: string, name: string): Promise<void> {
      checkName(name);
      const dataset = await existing(id);
      const clash = await data.findDatasetByName(db, dataset.organization_id, name);
      if (clash !== undefined && clash.id !== id)
        throw alreadyExists(`organization ${dataset.organization_id} already has a dataset named ${JSON.stringify(name)}`);
      await data.renameDataset(db, id, name);
    },

    async delete(id: string): Promise<void> {
      await existing(id);
      await db.transaction().execute((tx) => data.deleteDataset(tx, id));
    },

    async listByOrganization(organizationId: string): Promise<data.DatasetRow[]> {
      return data.listDatasets(db, { organizationIds: [organizationId] });
    },

    /** The datasets of these ids the caller may read (others are left out, as if missing). */
    async listByIds(actor: Actor, ids: readonly string[]): Promise<data.DatasetRow[]> {
      if (ids.length === 0) throw invalid('ids is empty: give the dataset ids to list');
      const readable = await files.readable(actor, 'data.read');
      return data.listDatasets(db, { organizationIds: readable.organizationIds, ids });
    },

    /** A new dataset of the organization holding every file of the given ones (all of that organization). */
    async merge(organizationId: string, datasetIds: readonly string[], name: string): Promise<string> {
      if (datasetIds.length < 2) throw invalid('give at least two dataset_ids to merge');
      for (const id of datasetIds) {
        const dataset = await data.findDataset(db, id);
        if (dataset?.organization_id !== organizationId) throw notFound('dataset', id);
      }
      const merged = await create(organizationId, name);
      await db.transaction().execute(async (tx) => data.addToDataset(tx, [merged], await data.datasetFiles(tx, datasetIds)));
      return merged;
    },

    async addFiles(actor: Actor, datasetId: string, fileIds: readonly string[]): Promise<void> {
      const dataset = await existing(datasetId);
      const ids = await checkedFiles(actor, dataset, fileIds);
      await db.transaction().execute((tx) => data.addToDataset(tx, [datasetId], ids));
    },

    async removeFiles(actor: Actor, datasetId: string, fileIds: readonly string[]): Promise<void> {
      const dataset = await existing(datasetId);
      const ids = await checkedFiles(actor, dataset, fileIds);
      await data.removeFromDataset(db, datasetId, ids);
    },
  };
}

export type DatasetsService = ReturnType<typeof createDatasetsService>;
