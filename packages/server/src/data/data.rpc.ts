/**
 * viam.app.data.v1.DataService and viam.app.datasync.v1.DataSyncService handlers: decode → service →
 * encode. The method tables (rpc/methods.ts) authorize each call; queries are confined by the service.
 */
import { Struct, Timestamp } from '@bufbuild/protobuf';
import { failedPrecondition, invalid, notFound, resourceExhausted } from '@hangar/domain';
import {
  dataApi,
  INLINE_MAX_HEADER,
  type DataService as DataServiceDescriptor,
  type DataSyncService,
  type FileUploadRequest,
  type StreamingDataCaptureUploadRequest,
} from '@hangar/wire';
import type { Call, ServiceHandlers } from '../rpc/routes.js';
import {
  binaryDataOf,
  encodeCursor,
  parseBinaryIds,
  parseOneBinaryId,
  requestedFileIds,
  parseDataRequest,
  parseFilter,
  parseSensorMetadata,
  parseUploadMetadata,
  readingData,
  tabularPageOf,
  timestampToUs,
  usToTimestamp,
} from './data.convert.js';
import { fileIdOf, type BinaryRow, type DataService } from './data.service.js';
import type { DataQueryService } from './data-query.js';
import { binaryCodec } from '@hangar/wire';
import { SIGNED_URL_DEFAULT_MINUTES, SIGNED_URL_MAX_MINUTES, type DataHttp } from './data-http.js';
import type { DatasetsService } from './datasets.service.js';

/**
 * The most file bytes one response carries inline (include_binary): a page stops early, with a valid
 * `last`, rather than grow past it; one file larger than it is refused with the words the newer CLI looks
 * for, and is read from its `uri` instead.
 */
export const INLINE_BINARY_MAX_BYTES = 32 * 1024 * 1024;

/**
 * A client may ask that no file larger than INLINE_MAX_HEADER's value come inline (our CLI does,
 * streaming larger files from their `uri` instead, which costs neither side a whole file in memory). The
 * cap on a whole answer stays INLINE_BINARY_MAX_BYTES.
 */
function inlineCapOf(call: Call): number {
  const asked = Number(call.requestHeader.get(INLINE_MAX_HEADER) ?? NaN);
  return Number.isSafeInteger(asked) && asked >= 0 ? Math.min(asked, INLINE_BINARY_MAX_BYTES) : INLINE_BINARY_MAX_BYTES;
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export interface DataRpcOptions {
  /**
   * A pause before each BinaryDataByIDs answer, for tests that count how many a client has in flight
   * (HANGAR_TEST_DATA_DELAY_MS; 0, the default, in production).
   */
  readonly testDelayMs?: number;
}

export interface DataRpcDeps {
  readonly service: DataService;
  readonly queries: DataQueryService;
  readonly datasets: DatasetsService;
  /** Where signed URLs come from (the data download endpoint's signer). */
  readonly links: Pick<DataHttp, 'signedUrl'>;
}

export function dataRpc(
  { service, queries, datasets, links }: DataRpcDeps,
  baseUrl: (call: Call) => string,
  options: DataRpcOptions = {},
): ServiceHandlers<typeof DataServiceDescriptor> {
  /** The rows with their bytes, as many as fit under the inline cap (at least one, unless it alone is too large). */
  async function withBytes(rows: readonly BinaryRow[], include: boolean, call: Call, strict: boolean) {
    const out = [];
    let bytes = 0;
    const fileCap = inlineCapOf(call);
    for (const row of rows) {
      if (!include) {
        out.push(binaryDataOf(row, baseUrl(call), undefined));
        continue;
      }
      if (row.size_bytes > fileCap || bytes + row.size_bytes > INLINE_BINARY_MAX_BYTES) {
        if (strict || out.length === 0) {
          const cap = row.size_bytes > fileCap ? fileCap : INLINE_BINARY_MAX_BYTES;
          throw resourceExhausted(
            `INCLUDE_BINARY_TOO_LARGE: file ${row.id} (${row.size_bytes} bytes) does not fit the ${cap} bytes a response carries inline; ask without include_binary and download it from its metadata.uri`,
          );
        }
        break;
      }
      bytes += row.size_bytes;
      out.push(binaryDataOf(row, baseUrl(call), await readAll(service.readBlob(row.sha256))));
    }
    return out;
  }

  return {
    async binaryDataByFilter(req, call) {
      const { filter, page } = parseDataRequest(req.dataRequest);
      if (req.countOnly) {
        const { count, totalSizeBytes } = await service.countBinary(call.actor, filter);
        return { count: BigInt(count), totalSizeBytes: BigInt(totalSizeBytes), last: '' };
      }
      const found = await service.binaryPage(call.actor, { filter, page });
      const data = await withBytes(found.rows, req.includeBinary, call, false);
      const kept = found.rows.slice(0, data.length);
      const lastRow = kept[kept.length - 1];
      return {
        data,
        count: BigInt(data.length),
        last: encodeCursor(lastRow && { timeUs: lastRow.time_requested_us, id: lastRow.id }),
        totalSizeBytes: BigInt(kept.reduce((sum, r) => sum + r.size_bytes, 0)),
      };
    },

    async binaryDataByIDs(req, call) {
      if ((options.testDelayMs ?? 0) > 0) await new Promise((r) => setTimeout(r, options.testDelayMs));
      const rows = await service.binaryByIds(call.actor, parseBinaryIds(req));
      const data = await withBytes(rows, req.includeBinary, call, true);
      return { data, count: BigInt(data.length) };
    },

    async tabularDataByFilter(req, call) {
      const { filter, page } = parseDataRequest(req.dataRequest);
      if (req.countOnly) {
        const { count, totalSizeBytes } = await service.countTabular(call.actor, filter);
        return { count: BigInt(count), totalSizeBytes: BigInt(totalSizeBytes), last: '' };
      }
      const found = await service.tabularPage(call.actor, { filter, page });
      const response = tabularPageOf(found.rows, binaryCodec(call.requestHeader.get('content-type')));
      response.count = BigInt(found.rows.length);
      response.last = encodeCursor(found.last);
      response.totalSizeBytes = BigInt(found.rows.reduce((sum, r) => sum + r.data.length, 0));
      return response;
    },

    async tabularDataBySQL(req) {
      return { rawData: await queries.bySql(req.organizationId, req.sqlQuery) };
    },

    async tabularDataByMQL(req) {
      if (req.queryPrefixName !== undefined && req.queryPrefixName !== '')
        throw failedPrecondition('saved queries (query_prefix_name) are not supported by this server: send the whole pipeline');
      if (req.dataSource?.type === dataApi.TabularDataSourceType.PIPELINE_SINK)
        throw failedPrecondition('data pipelines are not supported by this server: query the standard data source');
      // Standard and hot storage are one table here: use_recent_data and HOT_STORAGE read the same rows.
      return { rawData: await queries.byMql(req.organizationId, req.mqlBinary) };
    },

    async *exportTabularData(req, call) {
      if (req.partId === '' || req.resourceName === '' || req.methodName === '')
        throw invalid('part_id, resource_name and method_name are required: which resource method to export');
      const startUs = timestampToUs(req.interval?.start);
      const endUs = timestampToUs(req.interval?.end);
      const filter = {
        partId: req.partId,
        componentName: req.resourceName,
        ...(req.resourceSubtype !== '' && { componentType: req.resourceSubtype }),
        method: req.methodName,
        organizationIds: [],
        locationIds: [],
        mimeTypes: [],
        ...(startUs !== undefined && { startUs }),
        ...(endUs !== undefined && { endUs }),
      };
      let after;
      for (;;) {
        const page = await service.tabularPage(call.actor, { filter, page: { limit: 1000, order: 'asc', ...(after && { after }) } });
        for (const row of page.rows) {
          yield {
            partId: row.part_id,
            resourceName: row.component_name,
            resourceSubtype: row.component_type,
            methodName: row.method_name,
            timeCaptured: usToTimestamp(row.time_requested_us),
            organizationId: row.organization_id,
            locationId: row.location_id,
            robotName: row.robot_name,
            robotId: row.robot_id,
            partName: row.part_name,
            // The TS SDK calls toJson() on both without checking: always set, empty rather than absent.
            methodParameters: new Struct(),
            tags: JSON.parse(row.tags) as string[],
            payload: Struct.fromJson(JSON.parse(row.data) as never),
          };
        }
        if (page.last === undefined || call.signal.aborted) return;
        after = page.last;
      }
    },

    async getLatestTabularData(req, call) {
      if (req.partId === '' || req.resourceName === '' || req.methodName === '')
        throw invalid('part_id, resource_name and method_name are required: which resource method to read');
      const row = await service.latestReading(call.actor, {
        partId: req.partId,
        componentName: req.resourceName,
        componentType: req.resourceSubtype,
        methodName: req.methodName,
      });
      // Nothing in the last year: an empty answer (the SDKs turn it into null/None), not NOT_FOUND.
      if (row === undefined) return {};
      return {
        timeCaptured: usToTimestamp(row.time_requested_us),
        timeSynced: usToTimestamp(row.time_synced_us),
        payload: Struct.fromJson(JSON.parse(row.data) as never),
      };
    },

    async deleteBinaryDataByFilter(req, call) {
      const filter = parseFilter(req.filter);
      return { deletedCount: BigInt(await service.deleteBinaryByFilter(call.actor, filter)) };
    },

    async deleteBinaryDataByIDs(req, call) {
      return { deletedCount: BigInt(await service.deleteBinaryByIds(call.actor, parseBinaryIds(req))) };
    },

    async addTagsToBinaryDataByIDs(req, call) {
      await service.addTags(call.actor, { ids: parseBinaryIds(req) }, req.tags);
      return {};
    },

    async addTagsToBinaryDataByFilter(req, call) {
      await service.addTags(call.actor, { filter: parseFilter(req.filter) }, req.tags);
      return {};
    },

    async removeTagsFromBinaryDataByIDs(req, call) {
      return { deletedCount: BigInt(await service.removeTags(call.actor, { ids: parseBinaryIds(req) }, req.tags)) };
    },

    async removeTagsFromBinaryDataByFilter(req, call) {
      return { deletedCount: BigInt(await service.removeTags(call.actor, { filter: parseFilter(req.filter) }, req.tags)) };
    },

    async tagsByFilter(req, call) {
      return { tags: await service.tagsByFilter(call.actor, parseFilter(req.filter)) };
    },

    async addBoundingBoxToImageByID(req, call) {
      const box = {
        label: req.label,
        xMin: req.xMinNormalized,
        yMin: req.yMinNormalized,
        xMax: req.xMaxNormalized,
        yMax: req.yMaxNormalized,
        ...(req.confidence !== undefined && { confidence: req.confidence }),
      };
      return { bboxId: await service.addBbox(call.actor, parseOneBinaryId(req), box) };
    },

    async removeBoundingBoxFromImageByID(req, call) {
      if (req.bboxId === '') throw invalid('bbox_id is required: which bounding box to remove');
      await service.removeBbox(call.actor, parseOneBinaryId(req), req.bboxId);
      return {};
    },

    async updateBoundingBox(req, call) {
      if (req.bboxId === '') throw invalid('bbox_id is required: which bounding box to change');
      await service.updateBbox(call.actor, parseOneBinaryId(req), req.bboxId, {
        ...(req.label !== undefined && { label: req.label }),
        ...(req.xMinNormalized !== undefined && { xMin: req.xMinNormalized }),
        ...(req.yMinNormalized !== undefined && { yMin: req.yMinNormalized }),
        ...(req.xMaxNormalized !== undefined && { xMax: req.xMaxNormalized }),
        ...(req.yMaxNormalized !== undefined && { yMax: req.yMaxNormalized }),
        ...(req.confidence !== undefined && { confidence: req.confidence }),
      });
      return {};
    },

    async boundingBoxLabelsByFilter(req, call) {
      return { labels: await service.bboxLabels(call.actor, parseFilter(req.filter)) };
    },

    async addBinaryDataToDatasetByIDs(req, call) {
      await datasets.addFiles(call.actor, req.datasetId, requestedFileIds(req));
      return {};
    },

    async removeBinaryDataFromDatasetByIDs(req, call) {
      await datasets.removeFiles(call.actor, req.datasetId, requestedFileIds(req));
      return {};
    },

    async createBinaryDataSignedURL(req, call) {
      const minutes = req.expirationMinutes ?? SIGNED_URL_DEFAULT_MINUTES;
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > SIGNED_URL_MAX_MINUTES)
        throw invalid(`expiration_minutes must be 1–${SIGNED_URL_MAX_MINUTES} (7 days), got ${minutes}`);
      if (req.binaryDataId === '') throw invalid('binary_data_id is required: the file to link to');
      // binaryByIds answers NOT_FOUND for a file the caller cannot read.
      const [row] = await service.binaryByIds(call.actor, [fileIdOf(req.binaryDataId)]);
      if (row === undefined) throw notFound('binary data', req.binaryDataId);
      const link = links.signedUrl(baseUrl(call), row.id, minutes);
      return { signedUrl: link.url, expiresAt: Timestamp.fromDate(link.expiresAt) };
    },

    async configureDatabaseUser(req) {
      await service.configureDatabaseUser(req.organizationId, req.password);
      return {};
    },

    async getDatabaseConnection(req) {
      const c = await service.databaseConnection(req.organizationId);
      return { hostname: c.hostname, mongodbUri: c.uri, hasDatabaseUser: c.hasDatabaseUser };
    },

    async deleteTabularData(req) {
      return { deletedCount: BigInt(await service.deleteTabular(req.organizationId, req.deleteOlderThanDays)) };
    },
  };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  await Promise.resolve();
  yield bytes;
}

/** The bytes of a client stream after its first message, from whichever field carries them. */
async function* fileBytes(rest: AsyncIterable<FileUploadRequest>): AsyncIterable<Uint8Array> {
  for await (const msg of rest) {
    if (msg.uploadPacket.case === 'fileContents') yield msg.uploadPacket.value.data;
    else if (msg.uploadPacket.case === 'metadata') throw invalid('metadata may only be the first message of the stream');
  }
}

async function* streamBytes(rest: AsyncIterable<StreamingDataCaptureUploadRequest>): AsyncIterable<Uint8Array> {
  for await (const msg of rest) {
    if (msg.uploadPacket.case === 'data') yield msg.uploadPacket.value;
    else if (msg.uploadPacket.case === 'metadata') throw invalid('metadata may only be the first message of the stream');
  }
}

export function dataSyncRpc(service: DataService): ServiceHandlers<typeof DataSyncService> {
  return {
    async dataCaptureUpload(req) {
      const meta = parseUploadMetadata(req.metadata);
      const contents = req.sensorContents;
      if (contents.length === 0) throw invalid('sensor_contents is empty: nothing to upload');
      const binaries = contents.filter((c) => c.data.case === 'binary');
      if (binaries.length > 0) {
        // Binary captures: one file each (viam-server sends one per call); the response names the last.
        if (binaries.length !== contents.length) throw invalid('sensor_contents mixes tabular and binary readings: upload them separately');
        let last = { fileId: '', binaryDataId: '' };
        for (const c of binaries) {
          const bytes = c.data.value as Uint8Array;
          last = await service.uploadBinary(meta, parseSensorMetadata(c.metadata), once(bytes));
        }
        return last;
      }
      const readings = contents.map((c, i) => {
        if (c.data.case !== 'struct') throw invalid(`sensor_contents[${i}] has no data: give struct (tabular) or binary`);
        const times = parseSensorMetadata(c.metadata);
        return {
          ...(times.timeRequestedUs !== undefined && { timeRequestedUs: times.timeRequestedUs }),
          ...(times.timeReceivedUs !== undefined && { timeReceivedUs: times.timeReceivedUs }),
          data: readingData(c.data.value),
        };
      });
      return { fileId: await service.uploadReadings(meta, readings) };
    },

    async fileUpload(first, rest, call) {
      if (first.uploadPacket.case !== 'metadata') throw invalid('the first message must be metadata: which part, and the file name');
      const meta = parseUploadMetadata(first.uploadPacket.value);
      const stored = await service.uploadBinary(meta, {}, fileBytes(rest), call.signal);
      return { fileId: stored.fileId, binaryDataId: stored.binaryDataId };
    },

    async streamingDataCaptureUpload(first, rest, call) {
      if (first.uploadPacket.case !== 'metadata') throw invalid('the first message must be metadata: upload and sensor metadata');
      const meta = parseUploadMetadata(first.uploadPacket.value.uploadMetadata, 'metadata.upload_metadata');
      const stored = await service.uploadBinary(
        meta,
        parseSensorMetadata(first.uploadPacket.value.sensorMetadata),
        streamBytes(rest),
        call.signal,
      );
      return { fileId: stored.fileId, binaryDataId: stored.binaryDataId };
    },
  };
}
