import { z } from 'zod';
import { ValidationError } from '#shared/domain/errors';
import { KpiAggregator } from '#shared/domain/kpi/aggregate';
import { customerFactRows, erasedFactRow } from '#shared/domain/kpi/facts';
import { JOURNEY_FACTS, KPIS, type Row, type TableDefinition } from '#shared/domain/kpi/tables';
import type { PolicyRegistry } from '#shared/domain/policy-registry';
import type { Clock } from '#shared/ports/clock';
import type { CustomerStore } from '#shared/ports/customer-store';
import type { EngineLogger } from '#shared/ports/logger';
import type { ObjectStore } from '#shared/ports/object-store';

/** What the nightly job needs: the store to scan, the lake to write, and how to encode Parquet. */
export interface NightlyDeps {
  store: Pick<CustomerStore, 'scan'>;
  lake: ObjectStore;
  encode: (table: TableDefinition, rows: readonly Row[]) => Uint8Array;
  policies: PolicyRegistry;
  clock: Clock;
  logger: EngineLogger;
  idHashKey: string;
  /** What acquiring a new customer costs, to compare each win-back against. */
  costPerAcquisition: number;
  /** Parallel scan segments read side by side. */
  scanSegments: number;
  /** Rows per Parquet part file: bounds the job's memory. @default 50_000 */
  rowsPerPart?: number;
  /** A progress line every this many journeys. @default 100_000 */
  progressEvery?: number;
}

export const NightlyRequest = z.object({ date: z.iso.date('must be a date, YYYY-MM-DD') });

export interface NightlySummary {
  date: string;
  journeys: number;
  factFiles: string[];
  kpiRows: number;
  kpiFile: string;
}

const partitionPrefix = (table: TableDefinition, date: string) => `${table.prefix}dt=${date}/`;

/**
 * The nightly KPI job for one date partition.
 *
 * Primary course:
 *  1. Clear the date's partitions, so a re-run replaces rather than duplicates.
 *  2. Scan the store in `scanSegments` parallel segments, page by page; turn each journey into a
 *     `journey_facts` row (pseudonymous, no contact data) and write the rows in Parquet parts
 *     of `rowsPerPart`, so memory stays bounded whatever the number of journeys.
 *  3. Fold every fact row into the KPI aggregator (memory bounded by the number of groups) and
 *     write the `kpis` partition.
 * Past what one process can scan in time, the segments split across invocations and the KPIs
 * come from `sql/kpis.sql` run by Athena over the facts (see the README, "KPIs at scale").
 */
export async function runNightlyJob(deps: NightlyDeps, date: string): Promise<NightlySummary> {
  const parsed = NightlyRequest.safeParse({ date });
  if (!parsed.success) throw new ValidationError('invalid nightly job date', [{ path: 'date', code: 'invalid_format', message: 'must be a date, YYYY-MM-DD' }]);
  const rowsPerPart = deps.rowsPerPart ?? 50_000;
  const progressEvery = deps.progressEvery ?? 100_000;
  const nowMs = deps.clock.now();
  const started = Date.now();

  for (const table of [JOURNEY_FACTS, KPIS]) await deps.lake.delete(await deps.lake.list(partitionPrefix(table, date)));

  const aggregator = new KpiAggregator();
  const factFiles: string[] = [];
  let journeys = 0;
  const scanSegment = async (segment: number) => {
    let buffer: Row[] = [];
    let part = 0;
    const flush = async () => {
      if (buffer.length === 0) return;
      const key = `${partitionPrefix(JOURNEY_FACTS, date)}part-${String(segment).padStart(3, '0')}-${String(part++).padStart(5, '0')}.parquet`;
      await deps.lake.put(key, deps.encode(JOURNEY_FACTS, buffer), 'application/vnd.apache.parquet');
      factFiles.push(key);
      buffer = [];
    };
    for await (const item of deps.store.scan(segment, deps.scanSegments)) {
      const rows = item.kind === 'customer' ? customerFactRows(item.record, deps.idHashKey, nowMs, deps.policies) : [erasedFactRow(item.journey, nowMs, deps.policies)];
      for (const row of rows) {
        aggregator.add(row);
        buffer.push(row);
        journeys += 1;
        if (journeys % progressEvery === 0) deps.logger.info('nightly job progress', { date, journeys, seconds: Math.round((Date.now() - started) / 1000) });
      }
      if (buffer.length >= rowsPerPart) await flush();
    }
    await flush();
  };
  await Promise.all(Array.from({ length: deps.scanSegments }, (_, segment) => scanSegment(segment)));

  const kpiRows = aggregator.rows(deps.costPerAcquisition);
  const kpiFile = `${partitionPrefix(KPIS, date)}part-00000.parquet`;
  await deps.lake.put(kpiFile, deps.encode(KPIS, kpiRows), 'application/vnd.apache.parquet');
  deps.logger.info('nightly job done', { date, journeys, factFiles: factFiles.length, kpiRows: kpiRows.length, seconds: Math.round((Date.now() - started) / 1000) });
  return { date, journeys, factFiles: factFiles.sort(), kpiRows: kpiRows.length, kpiFile };
}
