// viam.app.datasync.v1.DataSyncService (viamrobotics/api app/datasync/v1/data_sync.proto): what machines
// call to upload captured data. The SDK ships the generated types (its DataClient uses them) but does not
// export them, so they are declared here, field for field, with the field numbers of the SDK's own copy.
import { Any, MethodKind, proto3, ScalarType, Struct, Timestamp, type Message } from '@bufbuild/protobuf';
import { dataApi } from '@viamrobotics/sdk';

export enum MimeType {
  UNSPECIFIED = 0,
  IMAGE_JPEG = 1,
  IMAGE_PNG = 2,
  APPLICATION_PCD = 3,
  VIDEO_MP4 = 4,
}
proto3.util.setEnumType(MimeType, 'viam.app.datasync.v1.MimeType', [
  { no: 0, name: 'MIME_TYPE_UNSPECIFIED' },
  { no: 1, name: 'MIME_TYPE_IMAGE_JPEG' },
  { no: 2, name: 'MIME_TYPE_IMAGE_PNG' },
  { no: 3, name: 'MIME_TYPE_APPLICATION_PCD' },
  { no: 4, name: 'MIME_TYPE_VIDEO_MP4' },
]);

export enum DataType {
  UNSPECIFIED = 0,
  BINARY_SENSOR = 1,
  TABULAR_SENSOR = 2,
  FILE = 3,
}
proto3.util.setEnumType(DataType, 'viam.app.datasync.v1.DataType', [
  { no: 0, name: 'DATA_TYPE_UNSPECIFIED' },
  { no: 1, name: 'DATA_TYPE_BINARY_SENSOR' },
  { no: 2, name: 'DATA_TYPE_TABULAR_SENSOR' },
  { no: 3, name: 'DATA_TYPE_FILE' },
]);

export interface UploadMetadata extends Message<UploadMetadata> {
  partId: string;
  componentType: string;
  componentName: string;
  methodName: string;
  type: DataType;
  fileName: string;
  methodParameters: Record<string, Any>;
  fileExtension: string;
  tags: string[];
  datasetIds: string[];
  mimeType: string;
}
export const UploadMetadata = proto3.makeMessageType<UploadMetadata>('viam.app.datasync.v1.UploadMetadata', [
  { no: 1, name: 'part_id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'component_type', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'component_name', kind: 'scalar', T: ScalarType.STRING },
  { no: 5, name: 'method_name', kind: 'scalar', T: ScalarType.STRING },
  { no: 6, name: 'type', kind: 'enum', T: proto3.getEnumType(DataType) },
  { no: 7, name: 'file_name', kind: 'scalar', T: ScalarType.STRING },
  { no: 8, name: 'method_parameters', kind: 'map', K: ScalarType.STRING, V: { kind: 'message', T: Any } },
  { no: 9, name: 'file_extension', kind: 'scalar', T: ScalarType.STRING },
  { no: 10, name: 'tags', kind: 'scalar', T: ScalarType.STRING, repeated: true },
  { no: 12, name: 'dataset_ids', kind: 'scalar', T: ScalarType.STRING, repeated: true },
  { no: 13, name: 'mime_type', kind: 'scalar', T: ScalarType.STRING },
]);

export interface SensorMetadata extends Message<SensorMetadata> {
  timeRequested?: Timestamp;
  timeReceived?: Timestamp;
  mimeType: MimeType;
  annotations?: dataApi.Annotations;
}
export const SensorMetadata = proto3.makeMessageType<SensorMetadata>('viam.app.datasync.v1.SensorMetadata', [
  { no: 1, name: 'time_requested', kind: 'message', T: Timestamp },
  { no: 2, name: 'time_received', kind: 'message', T: Timestamp },
  { no: 3, name: 'mime_type', kind: 'enum', T: proto3.getEnumType(MimeType) },
  { no: 4, name: 'annotations', kind: 'message', T: dataApi.Annotations },
]);

export interface SensorData extends Message<SensorData> {
  metadata?: SensorMetadata;
  data: { value: Struct; case: 'struct' } | { value: Uint8Array; case: 'binary' } | { case: undefined; value?: undefined };
}
export const SensorData = proto3.makeMessageType<SensorData>('viam.app.datasync.v1.SensorData', [
  { no: 1, name: 'metadata', kind: 'message', T: SensorMetadata },
  { no: 2, name: 'struct', kind: 'message', T: Struct, oneof: 'data' },
  { no: 3, name: 'binary', kind: 'scalar', T: ScalarType.BYTES, oneof: 'data' },
]);

export interface FileData extends Message<FileData> {
  data: Uint8Array;
}
export const FileData = proto3.makeMessageType<FileData>('viam.app.datasync.v1.FileData', [
  { no: 1, name: 'data', kind: 'scalar', T: ScalarType.BYTES },
]);

export interface DataCaptureUploadRequest extends Message<DataCaptureUploadRequest> {
  metadata?: UploadMetadata;
  sensorContents: SensorData[];
}
export const DataCaptureUploadRequest = proto3.makeMessageType<DataCaptureUploadRequest>('viam.app.datasync.v1.DataCaptureUploadRequest', [
  { no: 1, name: 'metadata', kind: 'message', T: UploadMetadata },
  { no: 2, name: 'sensor_contents', kind: 'message', T: SensorData, repeated: true },
]);

/** The three uploads answer alike: tabular uploads fill `file_id`, binary ones `binary_data_id` (and `file_id`). */
export interface UploadResponse extends Message<UploadResponse> {
  fileId: string;
  binaryDataId: string;
}
const uploadResponse = (name: string) =>
  proto3.makeMessageType<UploadResponse>(`viam.app.datasync.v1.${name}`, [
    { no: 1, name: 'file_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'binary_data_id', kind: 'scalar', T: ScalarType.STRING },
  ]);
export const DataCaptureUploadResponse = uploadResponse('DataCaptureUploadResponse');
export const FileUploadResponse = uploadResponse('FileUploadResponse');
export const StreamingDataCaptureUploadResponse = uploadResponse('StreamingDataCaptureUploadResponse');

export interface FileUploadRequest extends Message<FileUploadRequest> {
  uploadPacket:
    { value: UploadMetadata; case: 'metadata' } | { value: FileData; case: 'fileContents' } | { case: undefined; value?: undefined };
}
export const FileUploadRequest = proto3.makeMessageType<FileUploadRequest>('viam.app.datasync.v1.FileUploadRequest', [
  { no: 1, name: 'metadata', kind: 'message', T: UploadMetadata, oneof: 'upload_packet' },
  { no: 2, name: 'file_contents', kind: 'message', T: FileData, oneof: 'upload_packet' },
]);

export interface DataCaptureUploadMetadata extends Message<DataCaptureUploadMetadata> {
  uploadMetadata?: UploadMetadata;
  sensorMetadata?: SensorMetadata;
}
export const DataCaptureUploadMetadata = proto3.makeMessageType<DataCaptureUploadMetadata>(
  'viam.app.datasync.v1.DataCaptureUploadMetadata',
  [
    { no: 1, name: 'upload_metadata', kind: 'message', T: UploadMetadata },
    { no: 2, name: 'sensor_metadata', kind: 'message', T: SensorMetadata },
  ],
);

export interface StreamingDataCaptureUploadRequest extends Message<StreamingDataCaptureUploadRequest> {
  uploadPacket:
    { value: DataCaptureUploadMetadata; case: 'metadata' } | { value: Uint8Array; case: 'data' } | { case: undefined; value?: undefined };
}
export const StreamingDataCaptureUploadRequest = proto3.makeMessageType<StreamingDataCaptureUploadRequest>(
  'viam.app.datasync.v1.StreamingDataCaptureUploadRequest',
  [
    { no: 1, name: 'metadata', kind: 'message', T: DataCaptureUploadMetadata, oneof: 'upload_packet' },
    { no: 2, name: 'data', kind: 'scalar', T: ScalarType.BYTES, oneof: 'upload_packet' },
  ],
);

export const DataSyncService = {
  typeName: 'viam.app.datasync.v1.DataSyncService',
  methods: {
    dataCaptureUpload: { name: 'DataCaptureUpload', I: DataCaptureUploadRequest, O: DataCaptureUploadResponse, kind: MethodKind.Unary },
    fileUpload: { name: 'FileUpload', I: FileUploadRequest, O: FileUploadResponse, kind: MethodKind.ClientStreaming },
    streamingDataCaptureUpload: {
      name: 'StreamingDataCaptureUpload',
      I: StreamingDataCaptureUploadRequest,
      O: StreamingDataCaptureUploadResponse,
      kind: MethodKind.ClientStreaming,
    },
  },
} as const;

/**
 * Hangar's request header on BinaryDataByIDs: no file larger than this many bytes comes inline (the call
 * answers INCLUDE_BINARY_TOO_LARGE instead, and the client streams the file from its uri). Official
 * clients never send it.
 */
export const INLINE_MAX_HEADER = 'hangar-inline-max-bytes';
