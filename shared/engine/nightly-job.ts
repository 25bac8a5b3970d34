import * as z from 'zod';
import { ValidationError } from '#shared/domain/errors';
import { KpiAggregator } from '#shared/domain/kpi/aggregate';
import { ChurnLinks } from '#shared/domain/kpi/churn-links';
import { asOfInstant, customerFactRows } from '#shared/domain/kpi/facts';
import { JOURNEY_FACTS, type JourneyFactRow, KPIS, type Row, type TableDefinition } from '#shared/domain/kpi/tables';
import type { PolicyRegistry } from '#shared/domain/policy-registry';
import type { Clock } from '#shared/ports/clock';
import type { CustomerStore } from '#shared/ports/customer-store';
import type { KpiQueryEngine } from '#shared/ports/kpi-query-engine';
import type { EngineLogger } from '#shared/ports/logger';
import type { ObjectStore } from '#shared/ports/object-store';
import type { ReportPublisher } from '#shared/ports/report-publisher';
import { startAudienceExport } from './audience-export.ts';
import type { EngineDeps } from './deps.ts';
import { noStuckClaims, resolveStuckClaims, type StuckClaims } from './stuck-claims.ts';

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
  /**
   * A SQL engine (Athena in AWS, DuckDB locally) that computes the `kpis` partition from the
   * facts once they are written, so the job never aggregates in memory. Without one, the job
   * folds the facts into the in-process `KpiAggregator` as it writes them: the same rows, as
   * `sql/kpis.sql` is proven equal to it.
   * @default undefined (in-process aggregation)
   */
  kpiEngine?: KpiQueryEngine;
  /**
   * Also write the night's hashed Customer Match audience (`audiences/customer-match/dt=…/`,
   * see `exportAudience`), from the same scan.
   * @default true
   */
  exportAudience?: boolean;
  /**
   * Writes the night's KPI report (`reports/dt=…/index.html` and the `latest` copy) once the KPIs
   * are written.
   * @default undefined (no report)
   */
  report?: ReportPublisher;
  /**
   * The engine, to resolve the claims the scan meets stuck in `sending` (`resolveStuckClaims`)
   * before their facts are written: its store, scheduler (a lapsed lease's timer is cancelled),
   * channels (those that can show a message went out) and clock.
   * @default undefined (no sweep: the claims stay as they are)
   */
  engine?: EngineDeps;
}

export const NightlyRequest = z.object({ date: z.iso.date('must be a date, YYYY-MM-DD') });

export interface NightlySummary {
  date: string;
  journeys: number;
  factFiles: string[];
  /** KPI rows written (with a `kpiEngine`, as it reports them: 0 when it cannot tell). */
  kpiRows: number;
  /** The KPI file; with a `kpiEngine`, the first file of the partition (Athena may write several). */
  kpiFile: string;
  /** The hashed audience written (absent when `exportAudience` is false). */
  audience?: { customers: number; files: string[] };
  /** The report's pages written (absent without a `report` publisher). */
  report?: { keys: string[] };
  /** The claims found stuck in `sending` and what became of them (absent without an `engine`). */
  stuckClaims?: StuckClaims;
}

const partitionPrefix = (table: TableDefinition, date: string) => `${table.prefix}dt=${date}/`;

/**
 * The nightly KPI job for one date partition.
 *
 * Primary course:
 *  1. Clear the date's partitions, so a re-run replaces rather than duplicates.
 *  2. Scan the store in `scanSegments` parallel segments, page by page; turn each journey into a
 *     `journey_facts` row (pseudonymous, no contact data) as of 00:00 UTC of `date` (not the
 *     runner's clock: a night re-run later measures the same instant), and write the rows in
 *     Parquet parts of `rowsPerPart`, so memory stays bounded whatever the number of journeys.
 *     Journeys kept after erasure are held until the scan ends, then written with the next churn
 *     of their customer hash (erased or live), so an erasure does not turn a later churn into
 *     "retained" (see `ChurnLinks`).
 *  3. The `kpis` partition, one of two ways:
 *     - in process (the default): every fact row is also folded into the KPI aggregator as it is
 *       written (memory bounded by the number of groups), and its rows are written as one file;
 *     - with a `kpiEngine`: nothing is aggregated here; once every fact part is written, the
 *       engine runs `sql/kpis.sql` over the night's facts where they lie (Athena over S3 in AWS,
 *       DuckDB locally) and writes the partition itself. At large volume no process ever holds
 *       or folds every journey; the Lambda only orchestrates.
 *  4. Unless `exportAudience` is false: the same scan also feeds the hashed Customer Match
 *     audience (customers no consented channel reaches, as SHA-256 of their normalized contacts),
 *     written as CSV parts under `audiences/customer-match/dt=…/`, replaced on a re-run.
 *  5. With an `engine`, the same scan resolves every claim it meets stuck in `sending` (a lease
 *     passed with its timer lost, or a claim from before claims had leases) as its lease timer
 *     would, before that customer's facts are written, and counts them; a re-run finds none left.
 *  6. With a `report` publisher, last: the night's KPI report, read from the tables just written
 *     (`reports/dt=…/index.html`, and `reports/latest/index.html` for the latest night).
 * Past what one process can scan in time, the segments split across invocations as well (see
 * docs/kpis.md, "At scale").
 */
export async function runNightlyJob(deps: NightlyDeps, date: string): Promise<NightlySummary> {
  if (!NightlyRequest.safeParse({ date }).success)
    throw new ValidationError('invalid nightly job date', [
      { path: 'date', code: 'invalid_format', message: 'must be a date, YYYY-MM-DD' },
    ]);
  const nowMs = deps.clock.now();
  const asOfMs = asOfInstant(date);
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);

  for (const table of [JOURNEY_FACTS, KPIS]) await deps.lake.delete(await deps.lake.list(partitionPrefix(table, date)));
  // One pass over the table serves both: the audience writer takes the records as they are read.
  const audience =
    deps.exportAudience === false ? undefined : await startAudienceExport({ lake: deps.lake, policies: deps.policies }, date, nowMs);
  // With a SQL engine the KPIs are computed from the written facts, not here.
  const aggregator = deps.kpiEngine ? undefined : new KpiAggregator();
  const stuckClaims = deps.engine ? noStuckClaims() : undefined;
  const facts = await writeFacts(deps, date, asOfMs, { aggregator, audience, stuckClaims, seconds });
  const { kpiRows, kpiFile } = await writeKpis(deps, date, aggregator, () => ({ ...facts, seconds: seconds() }));
  // Last, from the tables as written: a report that fails leaves the night's KPIs in place.
  const report = deps.report ? await deps.report.publish(date) : undefined;

  const audienceSummary = audience?.summary();
  deps.logger.info('nightly job done', {
    date,
    journeys: facts.journeys,
    factFiles: facts.factFiles.length,
    kpiRows,
    kpiEngine: deps.kpiEngine ? 'sql' : 'in-process',
    audienceCustomers: audienceSummary?.customers,
    reportPages: report?.keys.length,
    ...(stuckClaims ? { stuckClaimsSent: stuckClaims.sent, stuckClaimsOutcomeUnknown: stuckClaims.outcomeUnknown } : {}),
    ...(stuckClaims ? { stuckClaimsUnresolved: stuckClaims.unresolved } : {}),
    seconds: seconds(),
  });
  return {
    date,
    journeys: facts.journeys,
    factFiles: facts.factFiles.sort(),
    kpiRows,
    kpiFile,
    ...(audienceSummary ? { audience: { customers: audienceSummary.customers, files: audienceSummary.files } } : {}),
    ...(report ? { report } : {}),
    ...(stuckClaims ? { stuckClaims } : {}),
  };
}

type AudienceExport = Awaited<ReturnType<typeof startAudienceExport>>;

/** One scan segment's Parquet parts: rows are buffered and written `rowsPerPart` at a time. */
class PartWriter {
  private buffer: JourneyFactRow[] = [];
  private part = 0;

  constructor(
    private readonly deps: NightlyDeps,
    private readonly date: string,
    private readonly segment: number,
    private readonly files: string[],
  ) {}

  async add(row: JourneyFactRow): Promise<void> {
    this.buffer.push(row);
    if (this.buffer.length >= (this.deps.rowsPerPart ?? 50_000)) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const name = `part-${String(this.segment).padStart(3, '0')}-${String(this.part++).padStart(5, '0')}.parquet`;
    const key = `${partitionPrefix(JOURNEY_FACTS, this.date)}${name}`;
    const rows = this.buffer;
    this.buffer = [];
    await this.deps.lake.put(key, this.deps.encode(JOURNEY_FACTS, rows), 'application/vnd.apache.parquet');
    this.files.push(key);
  }
}

/**
 * Step 2: scans the store in parallel segments and writes the journey facts in Parquet parts,
 * folding each row into the aggregator (if any) and each record into the audience export. The
 * erased journeys are written last, with the first segment's parts, once every churn is known.
 */
async function writeFacts(
  deps: NightlyDeps,
  date: string,
  asOfMs: number,
  sinks: {
    aggregator: KpiAggregator | undefined;
    audience: AudienceExport | undefined;
    stuckClaims: StuckClaims | undefined;
    seconds: () => number;
  },
): Promise<{ journeys: number; factFiles: string[] }> {
  const progressEvery = deps.progressEvery ?? 100_000;
  const factFiles: string[] = [];
  const links = new ChurnLinks();
  let journeys = 0;
  const emit = async (writer: PartWriter, row: JourneyFactRow) => {
    sinks.aggregator?.add(row);
    await writer.add(row);
    journeys += 1;
    if (journeys % progressEvery === 0) deps.logger.info('nightly job progress', { date, journeys, seconds: sinks.seconds() });
  };
  const writers = Array.from({ length: deps.scanSegments }, (_, segment) => new PartWriter(deps, date, segment, factFiles));
  const scanSegment = async (segment: number) => {
    const audienceSegment = sinks.audience?.segment(segment);
    for await (const item of deps.store.scan(segment, deps.scanSegments)) {
      // Erased and archived journeys alike: linked to their customer hash's next churn at the end.
      if (item.kind === 'erased' || item.kind === 'archived') {
        links.addErased(item.journey);
        continue;
      }
      const record = deps.engine && sinks.stuckClaims ? await resolveStuckClaims(deps.engine, item.record, sinks.stuckClaims) : item.record;
      await audienceSegment?.add(record);
      const rows = customerFactRows(record, deps.idHashKey, asOfMs, deps.policies);
      links.addLive(rows);
      for (const row of rows) await emit(writers[segment]!, row);
    }
    await audienceSegment?.close();
  };
  await Promise.all(writers.map((_, segment) => scanSegment(segment)));
  for (const row of links.erasedRows(asOfMs, deps.policies)) await emit(writers[0]!, row);
  for (const writer of writers) await writer.flush();
  return { journeys, factFiles };
}

/** Step 3: the night's `kpis` partition, from the aggregator or by the SQL engine over the written facts. */
async function writeKpis(
  deps: NightlyDeps,
  date: string,
  aggregator: KpiAggregator | undefined,
  progress: () => { journeys: number; factFiles: string[]; seconds: number },
): Promise<{ kpiRows: number; kpiFile: string }> {
  const kpiFile = `${partitionPrefix(KPIS, date)}part-00000.parquet`;
  if (!deps.kpiEngine) {
    const rows = aggregator!.rows(deps.costPerAcquisition);
    await deps.lake.put(kpiFile, deps.encode(KPIS, rows), 'application/vnd.apache.parquet');
    return { kpiRows: rows.length, kpiFile };
  }
  const { journeys, factFiles, seconds } = progress();
  deps.logger.info('nightly job facts written; computing KPIs in the SQL engine', { date, journeys, factFiles: factFiles.length, seconds });
  const { rows } = await deps.kpiEngine.writeKpis(date, deps.costPerAcquisition);
  // The engine names its files (Athena's UNLOAD chooses its own names).
  return { kpiRows: rows, kpiFile: (await deps.lake.list(partitionPrefix(KPIS, date)))[0] ?? partitionPrefix(KPIS, date) };
}
