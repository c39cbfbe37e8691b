/**
 * hangar.data.v1.ReadingsExportService: a whole tabular export as one server stream of ready NDJSON lines
 * (wire/readings-export.ts). Readings are read a page at a time in the filter's order, each page confined
 * to what the caller may read like TabularDataByFilter's, and turned into lines straight from their stored
 * JSON; a message goes out whenever about LINES_PER_MESSAGE_BYTES of lines are ready, so neither side holds
 * more than a page. Lines and metadata numbering are those of TabularDataByFilter pages written by the CLI.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import { invalid } from '@hangar/domain';
import { exportLine, type ReadingsExportService } from '@hangar/wire';
import type { ServiceHandlers } from '../rpc/routes.js';
import { CaptureMetadataIndex, parseDataRequest } from './data.convert.js';
import type { DataService } from './data.service.js';

/** Readings read from the database at a time. */
const PAGE_ROWS = 2000;
/** A message is sent once its lines reach this size. */
const LINES_PER_MESSAGE_BYTES = 64 * 1024;

export const readingsExportRpc = (service: DataService): ServiceHandlers<typeof ReadingsExportService> => ({
  async *exportReadings(req, call) {
    if ((req.dataRequest?.limit ?? 0n) !== 0n || (req.dataRequest?.last ?? '') !== '')
      throw invalid('data_request.limit and data_request.last must be empty: one ExportReadings stream is the whole export');
    const { filter, page } = parseDataRequest(req.dataRequest);
    const metadata = new CaptureMetadataIndex();
    let sentMetadata = 0;
    let lines = '';
    let readings = 0;
    const message = () => {
      const out = { metadata: metadata.entries.slice(sentMetadata), lines: Buffer.from(lines), readings };
      sentMetadata = metadata.entries.length;
      lines = '';
      readings = 0;
      return out;
    };
    // Every reading of an upload shares its capture metadata: it is read once per upload, not per reading.
    const uploads = new Map<string, number>();
    const reader = await service.readingsReader(call.actor);
    let after: (typeof page)['after'];
    for (;;) {
      const found = await reader.page({ filter, page: { limit: PAGE_ROWS, order: page.order, ...(after && { after }) } });
      const unseen = new Map<string, string>();
      for (const row of found.rows) if (!uploads.has(row.upload_id) && !unseen.has(row.upload_id)) unseen.set(row.upload_id, row.id);
      const whole = new Map((await reader.wholeRows([...unseen.values()])).map((r) => [r.upload_id, r]));
      for (const row of found.rows) {
        let index = uploads.get(row.upload_id);
        if (index === undefined) {
          const full = whole.get(row.upload_id);
          if (full === undefined) continue; // deleted since the page was read
          // Numbered in the order readings first use them, as TabularDataByFilter pages number them.
          index = metadata.of(full);
          uploads.set(row.upload_id, index);
        }
        lines += `${exportLine(JSON.parse(row.data) as JsonObject, row.time_requested_us, row.time_received_us, index)}\n`;
        readings++;
        if (lines.length >= LINES_PER_MESSAGE_BYTES) yield message();
      }
      if (found.rows.length < PAGE_ROWS || found.last === undefined) break;
      after = found.last;
    }
    if (readings > 0) yield message();
  },
});
