/** viam.app.dataset.v1.DatasetService handlers: decode → service → encode (rpc/methods.ts authorizes). */
import { Timestamp } from '@bufbuild/protobuf';
import type { data } from '@hangar/store';
import { Dataset, type DatasetService } from '@hangar/wire';
import type { ServiceHandlers } from '../rpc/routes.js';
import type { DatasetsService } from './datasets.service.js';

function datasetOf(row: data.DatasetRow): Dataset {
  return new Dataset({
    id: row.id,
    name: row.name,
    organizationId: row.organization_id,
    timeCreated: Timestamp.fromDate(new Date(Math.floor(row.time_created_us / 1000))),
  });
}

export function datasetsRpc(service: DatasetsService): ServiceHandlers<typeof DatasetService> {
  return {
    async createDataset(req) {
      return { id: await service.create(req.organizationId, req.name) };
    },
    async deleteDataset(req) {
      await service.delete(req.id);
      return {};
    },
    async renameDataset(req) {
      await service.rename(req.id, req.name);
      return {};
    },
    async listDatasetsByOrganizationID(req) {
      return { datasets: (await service.listByOrganization(req.organizationId)).map(datasetOf) };
    },
    async listDatasetsByIDs(req, call) {
      return { datasets: (await service.listByIds(call.actor, req.ids)).map(datasetOf) };
    },
    async mergeDatasets(req) {
      return { datasetId: await service.merge(req.organizationId, req.datasetIds, req.name) };
    },
  };
}
