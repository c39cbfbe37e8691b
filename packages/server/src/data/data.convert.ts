/** The only place data and data-sync messages are read or built. */
import { Any, Struct, Timestamp, type PartialMessage } from '@bufbuild/protobuf';
import { invalid, type JsonObject } from '@hangar/domain';
import type { data } from '@hangar/store';
import { setRawField, tabularDataFieldBytes } from '@hangar/wire';
import { dataApi, MimeType, type SensorMetadata, type UploadMetadata } from '@hangar/wire';
import {
  binaryDataIdOf,
  checkBbox,
  fileIdOf,
  type BinaryRow,
  type CaptureTimes,
  type TabularRow,
  type UploadMeta,
} from './data.service.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const MAX_FILTER_VALUES = 1000;

// ---- times ----

export function timestampToUs(t: Timestamp | undefined): number | undefined {
  if (t === undefined) return undefined;
  return Number(t.seconds) * 1_000_000 + Math.floor(t.nanos / 1000);
}

export function usToTimestamp(us: number): PartialMessage<Timestamp> {
  const seconds = Math.floor(us / 1_000_000);
  return { seconds: BigInt(seconds), nanos: (us - seconds * 1_000_000) * 1000 };
}

// ---- cursor ----

/** `last`: opaque to clients, base64url of [time_requested_us, id]. */
export function encodeCursor(cursor: data.Cursor | undefined): string {
  return cursor === undefined ? '' : Buffer.from(JSON.stringify([cursor.timeUs, cursor.id])).toString('base64url');
}

export function decodeCursor(last: string): data.Cursor | undefined {
  if (last === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(last, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      return { timeUs: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // Falls through to the error below.
  }
  throw invalid('last is not a cursor this server handed out: pass the `last` of the previous page, or "" for the first page');
}

// ---- filters ----

function list(field: string, values: readonly string[]): string[] {
  if (values.length > MAX_FILTER_VALUES) throw invalid(`${field}: at most ${MAX_FILTER_VALUES} values, got ${values.length}`);
  return values.filter((v) => v !== '');
}

export function parseFilter(filter: dataApi.Filter | undefined): data.DataFilter {
  if (filter === undefined) return { organizationIds: [], locationIds: [], mimeTypes: [] };
  const startUs = timestampToUs(filter.interval?.start);
  const endUs = timestampToUs(filter.interval?.end);
  if (startUs !== undefined && endUs !== undefined && startUs > endUs) {
    throw invalid('filter.interval: start is after end');
  }
  const tagsFilter = filter.tagsFilter;
  let tags: data.DataFilter['tags'];
  if (tagsFilter !== undefined) {
    switch (tagsFilter.type) {
      case dataApi.TagsFilterType.TAGGED:
        tags = { kind: 'tagged' };
        break;
      case dataApi.TagsFilterType.UNTAGGED:
        tags = { kind: 'untagged' };
        break;
      case dataApi.TagsFilterType.MATCH_BY_OR:
        tags = { kind: 'any', tags: list('filter.tags_filter.tags', tagsFilter.tags) };
        break;
      case dataApi.TagsFilterType.UNSPECIFIED:
        tags = tagsFilter.tags.length === 0 ? undefined : { kind: 'any', tags: list('filter.tags_filter.tags', tagsFilter.tags) };
        break;
      default:
        throw invalid(`filter.tags_filter.type ${String(tagsFilter.type)} is not one of MATCH_BY_OR, TAGGED, UNTAGGED`);
    }
  }
  const text = (v: string) => (v === '' ? undefined : v);
  return {
    ...(text(filter.componentName) !== undefined && { componentName: filter.componentName }),
    ...(text(filter.componentType) !== undefined && { componentType: filter.componentType }),
    ...(text(filter.method) !== undefined && { method: filter.method }),
    ...(text(filter.robotName) !== undefined && { robotName: filter.robotName }),
    ...(text(filter.robotId) !== undefined && { robotId: filter.robotId }),
    ...(text(filter.partName) !== undefined && { partName: filter.partName }),
    ...(text(filter.partId) !== undefined && { partId: filter.partId }),
    organizationIds: list('filter.organization_ids', filter.organizationIds),
    locationIds: list('filter.location_ids', filter.locationIds),
    mimeTypes: list('filter.mime_type', filter.mimeType),
    ...(startUs !== undefined && { startUs }),
    ...(endUs !== undefined && { endUs }),
    ...(tags !== undefined && { tags }),
    ...(filter.bboxLabels.length > 0 && { bboxLabels: list('filter.bbox_labels', filter.bboxLabels) }),
    ...(filter.datasetId !== '' && { datasetId: filter.datasetId }),
  };
}

export function parseDataRequest(req: dataApi.DataRequest | undefined): { filter: data.DataFilter; page: data.PageOptions } {
  const limit = Number(req?.limit ?? 0n);
  if (limit < 0) throw invalid(`data_request.limit must be 0 (the default, ${DEFAULT_LIMIT}) or more, got ${limit}`);
  const after = decodeCursor(req?.last ?? '');
  return {
    filter: parseFilter(req?.filter),
    page: {
      limit: limit === 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT),
      order: req?.sortOrder === dataApi.Order.ASCENDING ? 'asc' : 'desc',
      ...(after !== undefined && { after }),
    },
  };
}

/** Both spellings of "which files", as file ids: `binary_data_ids` (`org/location/file`) and the older `binary_ids`. */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- the seed-era CLI still sends binary_ids
export function requestedFileIds(req: { binaryIds: dataApi.BinaryID[]; binaryDataIds: string[] }): string[] {
  return [...req.binaryDataIds.map(fileIdOf), ...req.binaryIds.map((b) => fileIdOf(b.fileId))];
}

/** The files of a by-ids call, at most MAX_LIMIT of them. */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- see requestedFileIds
export function parseBinaryIds(req: { binaryIds: dataApi.BinaryID[]; binaryDataIds: string[] }): string[] {
  const ids = requestedFileIds(req);
  if (ids.length > MAX_LIMIT) throw invalid(`at most ${MAX_LIMIT} ids per call, got ${ids.length}`);
  return ids;
}

/** The one file a bounding-box call names: binary_data_id, or the older binary_id. */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- older clients still send binary_id
export function parseOneBinaryId(req: { binaryId?: dataApi.BinaryID; binaryDataId: string }): string {
  if (req.binaryDataId !== '') return fileIdOf(req.binaryDataId);
  if (req.binaryId !== undefined && req.binaryId.fileId !== '') return fileIdOf(req.binaryId.fileId);
  throw invalid('binary_data_id is required: the file (<organization id>/<location id>/<file id>)');
}

// ---- uploads ----

function methodParametersJson(params: Record<string, Any>): string {
  const out: Record<string, { type_url: string; value: string }> = {};
  for (const [name, any] of Object.entries(params)) out[name] = { type_url: any.typeUrl, value: Buffer.from(any.value).toString('base64') };
  return JSON.stringify(out);
}

function methodParametersOf(json: string): Record<string, Any> {
  const parsed = JSON.parse(json) as Record<string, { type_url: string; value: string }>;
  const out: Record<string, Any> = {};
  for (const [name, v] of Object.entries(parsed)) out[name] = new Any({ typeUrl: v.type_url, value: Buffer.from(v.value, 'base64') });
  return out;
}

const MIME_OF_ENUM: Record<number, string> = {
  [MimeType.IMAGE_JPEG]: 'image/jpeg',
  [MimeType.IMAGE_PNG]: 'image/png',
  [MimeType.APPLICATION_PCD]: 'pointcloud/pcd',
  [MimeType.VIDEO_MP4]: 'video/mp4',
};

export function parseUploadMetadata(meta: UploadMetadata | undefined, field = 'metadata'): UploadMeta {
  if (meta === undefined) throw invalid(`${field} is required: the upload's part, component and method`);
  if (meta.partId === '') throw invalid(`${field}.part_id is required: the machine part the data comes from`);
  return {
    partId: meta.partId,
    componentType: meta.componentType,
    componentName: meta.componentName,
    methodName: meta.methodName,
    methodParameters: methodParametersJson(meta.methodParameters),
    tags: meta.tags,
    fileName: meta.fileName,
    fileExtension: meta.fileExtension,
    mimeType: meta.mimeType,
    datasetIds: list(`${field}.dataset_ids`, meta.datasetIds),
  };
}

export function parseSensorMetadata(meta: SensorMetadata | undefined): CaptureTimes {
  if (meta === undefined) return {};
  const requested = timestampToUs(meta.timeRequested);
  const received = timestampToUs(meta.timeReceived);
  const mime = MIME_OF_ENUM[meta.mimeType];
  return {
    ...(requested !== undefined && { timeRequestedUs: requested }),
    ...(received !== undefined && { timeReceivedUs: received }),
    ...(meta.annotations !== undefined && { annotations: parseAnnotations(meta.annotations) }),
    ...(mime !== undefined && { mimeType: mime }),
  };
}

/** Uploaded annotations: boxes (checked) for their table, classifications kept as JSON. */
function parseAnnotations(annotations: dataApi.Annotations): NonNullable<CaptureTimes['annotations']> {
  return {
    bboxes: annotations.bboxes.map((b, i) =>
      checkBbox(`sensor_metadata.annotations.bboxes[${i}]`, {
        label: b.label,
        xMin: b.xMinNormalized,
        yMin: b.yMinNormalized,
        xMax: b.xMaxNormalized,
        yMax: b.yMaxNormalized,
        ...(b.confidence !== undefined && { confidence: b.confidence }),
      }),
    ),
    classifications: JSON.stringify(annotations.classifications.map((c) => c.toJson())),
  };
}

export function readingData(struct: Struct): JsonObject {
  return struct.toJson() as JsonObject;
}

// ---- results ----

function captureMetadataOf(row: BinaryRow | TabularRow, tags: readonly string[]): dataApi.CaptureMetadata {
  return new dataApi.CaptureMetadata({
    organizationId: row.organization_id,
    locationId: row.location_id,
    robotName: row.robot_name,
    robotId: row.robot_id,
    partName: row.part_name,
    partId: row.part_id,
    componentType: row.component_type,
    componentName: row.component_name,
    methodName: row.method_name,
    methodParameters: methodParametersOf(row.method_parameters),
    tags: [...tags],
    mimeType: row.mime_type,
  });
}

export function binaryMetadataOf(row: BinaryRow, baseUrl: string): dataApi.BinaryMetadata {
  const kept = JSON.parse(row.annotations) as { classifications?: unknown[] } | unknown[];
  const classifications = (Array.isArray(kept) ? kept : (kept.classifications ?? [])).map((c) =>
    dataApi.Classification.fromJson(c as never),
  );
  const annotations = new dataApi.Annotations({
    bboxes: row.bboxes.map(
      (b) =>
        new dataApi.BoundingBox({
          id: b.id,
          label: b.label,
          xMinNormalized: b.x_min,
          yMinNormalized: b.y_min,
          xMaxNormalized: b.x_max,
          yMaxNormalized: b.y_max,
          ...(b.confidence !== null && { confidence: b.confidence }),
        }),
    ),
    classifications,
  });
  return new dataApi.BinaryMetadata({
    // Both: the seed-era CLI reads the deprecated `id`, newer clients `binary_data_id`.
    id: row.id,
    binaryDataId: binaryDataIdOf(row),
    captureMetadata: captureMetadataOf(row, row.tags),
    timeRequested: usToTimestamp(row.time_requested_us),
    timeReceived: usToTimestamp(row.time_received_us),
    fileName: row.file_name,
    fileExt: row.file_ext,
    uri: `${baseUrl}/data/v1/binary/${row.id}`,
    annotations,
    datasetIds: [...row.datasetIds],
  });
}

export function binaryDataOf(row: BinaryRow, baseUrl: string, bytes: Uint8Array | undefined): dataApi.BinaryData {
  return new dataApi.BinaryData({ metadata: binaryMetadataOf(row, baseUrl), ...(bytes !== undefined && { binary: bytes }) });
}

/**
 * Numbers the distinct capture metadata of readings in the order first seen, pushing each new entry onto
 * `entries` (a response's list, or an export's).
 */
export class CaptureMetadataIndex {
  private readonly indexOf = new Map<string, number>();
  constructor(readonly entries: dataApi.CaptureMetadata[] = []) {}

  of(row: TabularRow): number {
    const key = [
      row.organization_id,
      row.location_id,
      row.robot_id,
      row.robot_name,
      row.part_id,
      row.part_name,
      row.component_type,
      row.component_name,
      row.method_name,
      row.method_parameters,
      row.tags,
      row.mime_type,
    ].join('\u0000');
    let index = this.indexOf.get(key);
    if (index === undefined) {
      index = this.indexOf.size;
      this.indexOf.set(key, index);
      this.entries.push(captureMetadataOf(row, JSON.parse(row.tags) as string[]));
    }
    return index;
  }
}

/** TabularDataByFilterResponse.data's field number (data.proto). */
const RESPONSE_DATA_FIELD = 2;

/**
 * TabularDataByFilter's answer: each distinct capture metadata once, each reading pointing at its own.
 * With a binary codec the readings are encoded straight from their JSON (struct-bytes.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- TabularDataByFilter is deprecated upstream, and what the seed's export uses
export function tabularPageOf(rows: readonly TabularRow[], binary: boolean): dataApi.TabularDataByFilterResponse {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
  const response = new dataApi.TabularDataByFilterResponse();
  const metadata = new CaptureMetadataIndex(response.metadata);
  for (const row of rows) {
    const index = metadata.of(row);
    const reading = JSON.parse(row.data) as JsonObject;
    if (binary) {
      setRawField(response, RESPONSE_DATA_FIELD, tabularDataFieldBytes(reading, index, row.time_requested_us, row.time_received_us));
    } else {
      response.data.push(
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
        new dataApi.TabularData({
          data: Struct.fromJson(reading),
          metadataIndex: index,
          timeRequested: usToTimestamp(row.time_requested_us),
          timeReceived: usToTimestamp(row.time_received_us),
        }),
      );
    }
  }
  return response;
}
