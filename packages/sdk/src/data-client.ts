/**
 * Machine data, as the Python SDK's DataClient offers it (camelCase): querying, exporting and deleting
 * captured data (viam.app.data.v1.DataService) and uploading it (viam.app.datasync.v1.DataSyncService).
 * Uploads that stream (files, large captures) go over gRPC on HTTP/2, which can stream a request; the
 * rest over the client's own protocol. Get one from `AppClient.dataClient()`.
 */
import { Timestamp, type JsonObject, type PartialMessage } from '@bufbuild/protobuf';
import { createClient, type Client, type Transport } from '@connectrpc/connect';
import {
  DataService,
  DataSyncService,
  DataType,
  dataApi,
  INLINE_MAX_HEADER,
  ReadingsExportService,
  SensorData,
  setRawField,
  structFieldBytes,
  type ExportReadingsResponse,
  type FileUploadRequest,
  type StreamingDataCaptureUploadRequest,
} from '@hangar/wire';
import { BSON } from 'bson';
import { HangarError } from './errors.js';
import { RawTabularDataService, readingsOf, type RawReading } from './tabular-pages.js';
import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';

export type Filter = PartialMessage<dataApi.Filter>;

export interface DataPage<T> {
  readonly data: T[];
  readonly count: number;
  /** Pass back as `last` for the next page; the page after the last one is empty. */
  readonly last: string;
  readonly totalSizeBytes: number;
}

export interface TabularRow {
  readonly data: JsonObject;
  readonly metadata: dataApi.CaptureMetadata | undefined;
  readonly timeRequested: Date | undefined;
  readonly timeReceived: Date | undefined;
}

export interface QueryOptions {
  readonly limit?: number;
  readonly last?: string;
  readonly sortOrder?: dataApi.Order;
  readonly countOnly?: boolean;
}

export interface UploadOptions {
  readonly componentType?: string;
  readonly componentName?: string;
  readonly methodName?: string;
  readonly fileName?: string;
  readonly fileExtension?: string;
  readonly tags?: readonly string[];
  /** When the data was requested and received; now when omitted. */
  readonly dataRequestTimes?: readonly [Date, Date];
}

/** Pieces of a streamed upload: 64 KiB, as viam-server sends files. */
const UPLOAD_CHUNK_BYTES = 64 * 1024;

export interface DataClientDeps {
  /** The client's own protocol, for unary calls (gRPC-web and Connect work through any proxy). */
  readonly transport: Transport;
  /** gRPC on HTTP/2, for client streams. */
  readonly streamTransport: Transport;
  /** Runs a call, signing in again once if the token expired. */
  readonly call: <T>(fn: () => Promise<T>) => Promise<T>;
}

const ts = (d: Date) => Timestamp.fromDate(d);
/** SensorData.struct's field number (viam.app.datasync.v1). */
const SENSOR_DATA_STRUCT_FIELD = 2;

/** UploadMetadata from a call's options: what the upload is, and which part and resource it comes from. */
function uploadMetadata(partId: string, type: DataType, options: UploadOptions, fileExtension = options.fileExtension ?? '') {
  return {
    partId,
    componentType: options.componentType ?? '',
    componentName: options.componentName ?? '',
    methodName: options.methodName ?? '',
    type,
    fileName: options.fileName ?? '',
    fileExtension,
    tags: [...(options.tags ?? [])],
  };
}
const toDate = (t: Timestamp | undefined) => t?.toDate();

export class DataClient {
  private readonly data: Client<typeof DataService>;
  private readonly sync: Client<typeof DataSyncService>;
  private readonly syncStreams: Client<typeof DataSyncService>;
  private readonly rawTabular: Client<typeof RawTabularDataService>;
  private readonly readingsExport: Client<typeof ReadingsExportService>;

  constructor(private readonly deps: DataClientDeps) {
    this.data = createClient(DataService, deps.transport);
    this.sync = createClient(DataSyncService, deps.transport);
    this.syncStreams = createClient(DataSyncService, deps.streamTransport);
    this.rawTabular = createClient(RawTabularDataService, deps.transport);
    this.readingsExport = createClient(ReadingsExportService, deps.transport);
  }

  private dataRequest(filter: Filter | undefined, options: QueryOptions): PartialMessage<dataApi.DataRequest> {
    return {
      filter: filter ?? {},
      limit: BigInt(options.limit ?? 0),
      last: options.last ?? '',
      sortOrder: options.sortOrder ?? dataApi.Order.UNSPECIFIED,
    };
  }

  async tabularDataByFilter(filter?: Filter, options: QueryOptions = {}): Promise<DataPage<TabularRow>> {
    const res = await this.deps.call(() =>
      this.data.tabularDataByFilter({ dataRequest: this.dataRequest(filter, options), countOnly: options.countOnly ?? false }),
    );
    return {
      data: res.data.map((d) => ({
        data: (d.data?.toJson() ?? {}) as JsonObject,
        metadata: res.metadata[d.metadataIndex],
        timeRequested: toDate(d.timeRequested),
        timeReceived: toDate(d.timeReceived),
      })),
      count: Number(res.count),
      last: res.last,
      totalSizeBytes: Number(res.totalSizeBytes),
    };
  }

  /**
   * One page of readings for bulk reads: the same call as tabularDataByFilter, its readings decoded
   * straight into plain objects (see tabular-pages.ts), times in milliseconds with their fractions.
   */
  async tabularReadings(
    filter: Filter | undefined,
    options: QueryOptions = {},
  ): Promise<{ readings: RawReading[]; metadata: dataApi.CaptureMetadata[]; last: string }> {
    const res = await this.deps.call(() =>
      this.rawTabular.tabularDataByFilter({ dataRequest: this.dataRequest(filter, options), countOnly: false }),
    );
    return { readings: readingsOf(res), metadata: res.metadata, last: res.last };
  }

  /**
   * Hangar's ReadingsExportService: every reading the filter matches, in one stream of ready NDJSON lines
   * in the seed-era `data export` format, with each capture metadata entry in the message whose lines first
   * use it. A server without the service fails the first step with UNIMPLEMENTED (HangarError).
   */
  async *exportReadings(
    filter: Filter | undefined,
    options: { sortOrder?: dataApi.Order; signal?: AbortSignal } = {},
  ): AsyncIterable<ExportReadingsResponse> {
    const open = () => {
      const request = { dataRequest: this.dataRequest(filter, options.sortOrder === undefined ? {} : { sortOrder: options.sortOrder }) };
      const responses = this.readingsExport.exportReadings(request, options.signal === undefined ? undefined : { signal: options.signal });
      const stream = responses[Symbol.asyncIterator]();
      return stream.next().then((first) => ({ stream, first }));
    };
    // The first message under the usual retry, so an expired token is renewed before anything is written.
    const { stream, first } = await this.deps.call(open);
    try {
      for (let next = first; next.done !== true; next = await stream.next()) yield next.value;
    } catch (err) {
      throw HangarError.from(err);
    }
  }

  async binaryDataByFilter(
    filter?: Filter,
    options: QueryOptions & { includeBinaryData?: boolean } = {},
  ): Promise<DataPage<dataApi.BinaryData>> {
    const res = await this.deps.call(() =>
      this.data.binaryDataByFilter({
        dataRequest: this.dataRequest(filter, options),
        includeBinary: options.includeBinaryData ?? true,
        countOnly: options.countOnly ?? false,
      }),
    );
    return { data: res.data, count: Number(res.count), last: res.last, totalSizeBytes: Number(res.totalSizeBytes) };
  }

  /**
   * By `<organization id>/<location id>/<file id>` ids, in the order given. `inlineMaxBytes` asks the
   * server to send no file larger than that inline: it answers RESOURCE_EXHAUSTED (INCLUDE_BINARY_TOO_LARGE)
   * instead, and the file is read from its `uri` (what `hangar data export` does with large files).
   */
  async binaryDataByIds(
    binaryDataIds: readonly string[],
    includeBinaryData = true,
    options: { readonly inlineMaxBytes?: number } = {},
  ): Promise<dataApi.BinaryData[]> {
    const headers = options.inlineMaxBytes === undefined ? undefined : { [INLINE_MAX_HEADER]: String(options.inlineMaxBytes) };
    const res = await this.deps.call(() =>
      this.data.binaryDataByIDs(
        { binaryDataIds: [...binaryDataIds], includeBinary: includeBinaryData },
        headers === undefined ? undefined : { headers },
      ),
    );
    return res.data;
  }

  async deleteBinaryDataByFilter(filter?: Filter): Promise<number> {
    const res = await this.deps.call(() => this.data.deleteBinaryDataByFilter({ filter: filter ?? {} }));
    return Number(res.deletedCount);
  }

  async deleteBinaryDataByIds(binaryDataIds: readonly string[]): Promise<number> {
    const res = await this.deps.call(() => this.data.deleteBinaryDataByIDs({ binaryDataIds: [...binaryDataIds] }));
    return Number(res.deletedCount);
  }

  async deleteTabularData(organizationId: string, deleteOlderThanDays: number): Promise<number> {
    const res = await this.deps.call(() => this.data.deleteTabularData({ organizationId, deleteOlderThanDays }));
    return Number(res.deletedCount);
  }

  async getLatestTabularData(
    partId: string,
    resourceName: string,
    resourceSubtype: string,
    methodName: string,
  ): Promise<{ timeCaptured: Date; timeSynced: Date; payload: JsonObject } | null> {
    const res = await this.deps.call(() => this.data.getLatestTabularData({ partId, resourceName, resourceSubtype, methodName }));
    if (res.payload === undefined || res.timeCaptured === undefined) return null;
    return {
      timeCaptured: res.timeCaptured.toDate(),
      timeSynced: res.timeSynced?.toDate() ?? res.timeCaptured.toDate(),
      payload: res.payload.toJson() as JsonObject,
    };
  }

  async exportTabularData(
    partId: string,
    resourceName: string,
    resourceSubtype: string,
    methodName: string,
    startTime?: Date,
    endTime?: Date,
  ): Promise<dataApi.ExportTabularDataResponse[]> {
    return this.deps.call(async () => {
      const out: dataApi.ExportTabularDataResponse[] = [];
      const interval = { ...(startTime && { start: ts(startTime) }), ...(endTime && { end: ts(endTime) }) };
      for await (const row of this.data.exportTabularData({ partId, resourceName, resourceSubtype, methodName, interval })) out.push(row);
      return out;
    });
  }

  /**
   * One SELECT over the organization's `readings` (needs the owner role); each row comes back as a
   * document, decoded from BSON as Viam's SDKs do.
   */
  async tabularDataBySql(organizationId: string, sqlQuery: string): Promise<Record<string, unknown>[]> {
    const res = await this.deps.call(() => this.data.tabularDataBySQL({ organizationId, sqlQuery }));
    return res.rawData.map((doc) => BSON.deserialize(doc));
  }

  /** A MongoDB aggregation pipeline over the organization's `readings`, one object per stage. */
  async tabularDataByMql(
    organizationId: string,
    pipeline: readonly (Record<string, unknown> | Uint8Array)[],
  ): Promise<Record<string, unknown>[]> {
    const mqlBinary = pipeline.map((stage) => (stage instanceof Uint8Array ? stage : BSON.serialize(stage)));
    const res = await this.deps.call(() => this.data.tabularDataByMQL({ organizationId, mqlBinary }));
    return res.rawData.map((doc) => BSON.deserialize(doc));
  }

  /** Creates the organization's read-only database user, or sets its password (PostgreSQL servers). */
  async configureDatabaseUser(organizationId: string, password: string): Promise<void> {
    await this.deps.call(() => this.data.configureDatabaseUser({ organizationId, password }));
  }

  /** Where to connect for direct queries: the host, and a URI with YOUR-PASSWORD-HERE for the password. */
  async getDatabaseConnection(organizationId: string): Promise<{ hostname: string; uri: string; hasDatabaseUser: boolean }> {
    const res = await this.deps.call(() => this.data.getDatabaseConnection({ organizationId }));
    return { hostname: res.hostname, uri: res.mongodbUri, hasDatabaseUser: res.hasDatabaseUser };
  }

  /** Tabular readings, one per object; returns the upload's file id. */
  async tabularDataCaptureUpload(
    tabularData: readonly JsonObject[],
    partId: string,
    componentType: string,
    componentName: string,
    methodName: string,
    dataRequestTimes: readonly (readonly [Date, Date])[],
    tags: readonly string[] = [],
  ): Promise<string> {
    if (dataRequestTimes.length !== tabularData.length)
      throw new Error('dataRequestTimes must have one [requested, received] pair per reading');
    const res = await this.deps.call(() =>
      this.sync.dataCaptureUpload({
        metadata: { partId, componentType, componentName, methodName, type: DataType.TABULAR_SENSOR, tags: [...tags] },
        sensorContents: tabularData.map((reading, i) => {
          const [requested, received] = dataRequestTimes[i] ?? [new Date(), new Date()];
          const sensor = new SensorData({ metadata: { timeRequested: ts(requested), timeReceived: ts(received) } });
          // The reading's Struct written straight from its JSON (the binary codec writes it as is): building
          // a Value message per field first cost more than the rest of the upload.
          setRawField(sensor, SENSOR_DATA_STRUCT_FIELD, structFieldBytes(reading));
          return sensor;
        }),
      }),
    );
    return res.fileId;
  }

  /** One binary capture (an image, a point cloud) in a single call; returns its binary data id. */
  async binaryDataCaptureUpload(
    binaryData: Uint8Array,
    partId: string,
    fileExtension: string,
    options: UploadOptions = {},
  ): Promise<string> {
    const [requested, received] = options.dataRequestTimes ?? [new Date(), new Date()];
    const res = await this.deps.call(() =>
      this.sync.dataCaptureUpload({
        metadata: uploadMetadata(partId, DataType.BINARY_SENSOR, options, fileExtension),
        sensorContents: [
          { metadata: { timeRequested: ts(requested), timeReceived: ts(received) }, data: { case: 'binary', value: binaryData } },
        ],
      }),
    );
    return res.binaryDataId;
  }

  /** A file's bytes as a client stream (FileUpload); returns its binary data id. */
  async fileUpload(partId: string, data: Uint8Array | AsyncIterable<Uint8Array>, options: UploadOptions = {}): Promise<string> {
    async function* messages(): AsyncIterable<PartialMessage<FileUploadRequest>> {
      yield {
        uploadPacket: {
          case: 'metadata',
          value: uploadMetadata(partId, DataType.FILE, options),
        },
      };
      for await (const chunk of chunks(data)) yield { uploadPacket: { case: 'fileContents', value: { data: chunk } } };
    }
    const res = await this.deps.call(() => this.syncStreams.fileUpload(messages()));
    return res.binaryDataId;
  }

  /** The file at `path`, streamed from disk; its name and extension are the upload's unless given. */
  async fileUploadFromPath(path: string, partId: string, options: UploadOptions = {}): Promise<string> {
    return this.fileUpload(partId, createReadStream(path, { highWaterMark: UPLOAD_CHUNK_BYTES }) as AsyncIterable<Buffer>, {
      fileName: basename(path),
      fileExtension: extname(path),
      ...options,
    });
  }

  /** A large binary capture as a client stream (StreamingDataCaptureUpload); returns its binary data id. */
  async streamingDataCaptureUpload(
    data: Uint8Array | AsyncIterable<Uint8Array>,
    partId: string,
    fileExtension: string,
    options: UploadOptions = {},
  ): Promise<string> {
    const [requested, received] = options.dataRequestTimes ?? [new Date(), new Date()];
    async function* messages(): AsyncIterable<PartialMessage<StreamingDataCaptureUploadRequest>> {
      yield {
        uploadPacket: {
          case: 'metadata',
          value: {
            uploadMetadata: uploadMetadata(partId, DataType.BINARY_SENSOR, options, fileExtension),
            sensorMetadata: { timeRequested: ts(requested), timeReceived: ts(received) },
          },
        },
      };
      for await (const chunk of chunks(data)) yield { uploadPacket: { case: 'data', value: chunk } };
    }
    const res = await this.deps.call(() => this.syncStreams.streamingDataCaptureUpload(messages()));
    return res.binaryDataId;
  }
}

async function* chunks(data: Uint8Array | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (!(data instanceof Uint8Array)) {
    yield* data;
    return;
  }
  for (let at = 0; at < data.length; at += UPLOAD_CHUNK_BYTES) yield data.subarray(at, at + UPLOAD_CHUNK_BYTES);
}
