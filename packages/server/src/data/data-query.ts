/**
 * Queries users write themselves over an organization's readings: SQL (TabularDataBySQL) and MongoDB
 * aggregation pipelines (TabularDataByMQL). Both answer BSON documents, as Viam's do. The method table
 * has checked owner rights on the organization; everything here reads that organization's rows only.
 */
import { deadlineExceeded, invalid, resourceExhausted } from '@hangar/domain';
import { data, ReadingsQueryError, type Database, type ReadingsQueryRunner } from '@hangar/store';
import { BSON } from 'bson';
import { Aggregator } from 'mingo';
import { decodeStages, planPipeline, readingDocument } from './mql.js';
import { bindReadings, checkReadingsQuery, type SqlEngine } from './sql-guard.js';

export interface DataQueryDeps {
  readonly db: Database;
  readonly engine: SqlEngine;
  readonly runner: ReadingsQueryRunner;
  readonly timeoutMs: number;
  /** Documents one answer may hold. */
  readonly maxRows: number;
  /** Readings one pipeline may read before its in-memory stages (what its leading $match leaves). */
  readonly maxScannedRows: number;
}

const SCAN_PAGE = 5000;

export function createDataQueryService({ db, engine, runner, timeoutMs, maxRows, maxScannedRows }: DataQueryDeps) {
  const tooMany = (what: string) =>
    resourceExhausted(`${what} more than ${maxRows} documents (--data-query-max-rows): add a LIMIT, or narrow the query by time`);

  return {
    async bySql(organizationId: string, query: string): Promise<Uint8Array[]> {
      const checked = checkReadingsQuery(query, engine);
      try {
        const rows = await runner.run(organizationId, (relation) => bindReadings(checked, relation));
        return rows.map((row) => BSON.serialize(row));
      } catch (err) {
        if (!(err instanceof ReadingsQueryError)) throw err;
        if (err.kind === 'timeout')
          throw deadlineExceeded(`the query ran longer than ${timeoutMs / 1000} s (--data-query-timeout-seconds): narrow it`);
        if (err.kind === 'too_many_rows') throw tooMany('the query returns');
        throw invalid(`the query failed: ${err.message}`);
      }
    },

    async byMql(organizationId: string, mqlBinary: readonly Uint8Array[]): Promise<Uint8Array[]> {
      const stages = decodeStages(mqlBinary);
      const plan = planPipeline(stages);
      const deadline = Date.now() + timeoutMs;
      const documents: Record<string, unknown>[] = [];
      let after: data.ReadingScan['after'];
      for (;;) {
        const want = plan.limit === undefined ? SCAN_PAGE : Math.min(SCAN_PAGE, plan.limit - documents.length);
        if (want <= 0) break;
        const rows = await data.scanReadings(db, organizationId, {
          where: plan.where,
          order: plan.order,
          limit: want,
          ...(after === undefined ? { offset: plan.offset } : { after }),
        });
        for (const row of rows) documents.push(readingDocument(row));
        if (documents.length > maxScannedRows)
          throw resourceExhausted(
            `the pipeline reads more than ${maxScannedRows} readings (--data-query-max-scanned-rows): start it with a $match on time_requested, part_id or component_name that narrows it`,
          );
        if (Date.now() > deadline) throw deadlineExceeded(`the pipeline ran longer than ${timeoutMs / 1000} s: narrow its first $match`);
        const last = rows[rows.length - 1];
        if (rows.length < want || last === undefined) break;
        after = { value: plan.order.column === 'time_requested_us' ? last.time_requested_us : last.time_received_us, id: last.id };
      }
      let results: unknown[] = documents;
      if (plan.rest.length > 0) {
        try {
          results = new Aggregator(plan.rest).run(documents);
        } catch (err) {
          throw invalid(`the pipeline failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (results.length > maxRows) throw tooMany('the pipeline returns');
      return results.map((doc) => BSON.serialize(doc as Record<string, unknown>));
    },
  };
}

export type DataQueryService = ReturnType<typeof createDataQueryService>;
