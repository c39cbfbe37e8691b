// viam.app.dataset.v1.DatasetService (viamrobotics/api app/dataset/v1/dataset.proto): named sets of files.
// The SDK's DataClient uses these types but the SDK does not export them, so they are declared here, field
// for field, with the field numbers of the SDK's own copy.
import { MethodKind, proto3, ScalarType, Timestamp, type Message } from '@bufbuild/protobuf';

export interface Dataset extends Message<Dataset> {
  id: string;
  name: string;
  organizationId: string;
  timeCreated?: Timestamp;
}
export const Dataset = proto3.makeMessageType<Dataset>('viam.app.dataset.v1.Dataset', [
  { no: 1, name: 'id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'name', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'organization_id', kind: 'scalar', T: ScalarType.STRING },
  { no: 4, name: 'time_created', kind: 'message', T: Timestamp },
]);

export interface CreateDatasetRequest extends Message<CreateDatasetRequest> {
  name: string;
  organizationId: string;
}
export const CreateDatasetRequest = proto3.makeMessageType<CreateDatasetRequest>('viam.app.dataset.v1.CreateDatasetRequest', [
  { no: 1, name: 'name', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'organization_id', kind: 'scalar', T: ScalarType.STRING },
]);

export interface CreateDatasetResponse extends Message<CreateDatasetResponse> {
  id: string;
}
export const CreateDatasetResponse = proto3.makeMessageType<CreateDatasetResponse>('viam.app.dataset.v1.CreateDatasetResponse', [
  { no: 1, name: 'id', kind: 'scalar', T: ScalarType.STRING },
]);

export interface DeleteDatasetRequest extends Message<DeleteDatasetRequest> {
  id: string;
}
export const DeleteDatasetRequest = proto3.makeMessageType<DeleteDatasetRequest>('viam.app.dataset.v1.DeleteDatasetRequest', [
  { no: 1, name: 'id', kind: 'scalar', T: ScalarType.STRING },
]);

export type DeleteDatasetResponse = Message<DeleteDatasetResponse>;
export const DeleteDatasetResponse = proto3.makeMessageType<DeleteDatasetResponse>('viam.app.dataset.v1.DeleteDatasetResponse', []);

export interface RenameDatasetRequest extends Message<RenameDatasetRequest> {
  id: string;
  name: string;
}
export const RenameDatasetRequest = proto3.makeMessageType<RenameDatasetRequest>('viam.app.dataset.v1.RenameDatasetRequest', [
  { no: 1, name: 'id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'name', kind: 'scalar', T: ScalarType.STRING },
]);

export type RenameDatasetResponse = Message<RenameDatasetResponse>;
export const RenameDatasetResponse = proto3.makeMessageType<RenameDatasetResponse>('viam.app.dataset.v1.RenameDatasetResponse', []);

export interface ListDatasetsByOrganizationIDRequest extends Message<ListDatasetsByOrganizationIDRequest> {
  organizationId: string;
}
export const ListDatasetsByOrganizationIDRequest = proto3.makeMessageType<ListDatasetsByOrganizationIDRequest>(
  'viam.app.dataset.v1.ListDatasetsByOrganizationIDRequest',
  [{ no: 1, name: 'organization_id', kind: 'scalar', T: ScalarType.STRING }],
);

export interface ListDatasetsResponse extends Message<ListDatasetsResponse> {
  datasets: Dataset[];
}
const listResponse = (name: string) =>
  proto3.makeMessageType<ListDatasetsResponse>(`viam.app.dataset.v1.${name}`, [
    { no: 1, name: 'datasets', kind: 'message', T: Dataset, repeated: true },
  ]);
export const ListDatasetsByOrganizationIDResponse = listResponse('ListDatasetsByOrganizationIDResponse');
export const ListDatasetsByIDsResponse = listResponse('ListDatasetsByIDsResponse');

export interface ListDatasetsByIDsRequest extends Message<ListDatasetsByIDsRequest> {
  ids: string[];
}
export const ListDatasetsByIDsRequest = proto3.makeMessageType<ListDatasetsByIDsRequest>('viam.app.dataset.v1.ListDatasetsByIDsRequest', [
  { no: 1, name: 'ids', kind: 'scalar', T: ScalarType.STRING, repeated: true },
]);

export interface MergeDatasetsRequest extends Message<MergeDatasetsRequest> {
  datasetIds: string[];
  name: string;
  organizationId: string;
}
export const MergeDatasetsRequest = proto3.makeMessageType<MergeDatasetsRequest>('viam.app.dataset.v1.MergeDatasetsRequest', [
  { no: 1, name: 'dataset_ids', kind: 'scalar', T: ScalarType.STRING, repeated: true },
  { no: 2, name: 'name', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'organization_id', kind: 'scalar', T: ScalarType.STRING },
]);

export interface MergeDatasetsResponse extends Message<MergeDatasetsResponse> {
  datasetId: string;
}
export const MergeDatasetsResponse = proto3.makeMessageType<MergeDatasetsResponse>('viam.app.dataset.v1.MergeDatasetsResponse', [
  { no: 1, name: 'dataset_id', kind: 'scalar', T: ScalarType.STRING },
]);

export const DatasetService = {
  typeName: 'viam.app.dataset.v1.DatasetService',
  methods: {
    createDataset: { name: 'CreateDataset', I: CreateDatasetRequest, O: CreateDatasetResponse, kind: MethodKind.Unary },
    deleteDataset: { name: 'DeleteDataset', I: DeleteDatasetRequest, O: DeleteDatasetResponse, kind: MethodKind.Unary },
    renameDataset: { name: 'RenameDataset', I: RenameDatasetRequest, O: RenameDatasetResponse, kind: MethodKind.Unary },
    listDatasetsByOrganizationID: {
      name: 'ListDatasetsByOrganizationID',
      I: ListDatasetsByOrganizationIDRequest,
      O: ListDatasetsByOrganizationIDResponse,
      kind: MethodKind.Unary,
    },
    listDatasetsByIDs: { name: 'ListDatasetsByIDs', I: ListDatasetsByIDsRequest, O: ListDatasetsByIDsResponse, kind: MethodKind.Unary },
    mergeDatasets: { name: 'MergeDatasets', I: MergeDatasetsRequest, O: MergeDatasetsResponse, kind: MethodKind.Unary },
  },
} as const;
