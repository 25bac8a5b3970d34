import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileObjectStore } from '#shared/adapters/local/file-object-store';
import { openLake, renderKpiSql } from '#shared/adapters/local/duckdb-lake';
import { encodeParquet } from '#shared/adapters/parquet';
import type { CustomerRecord, Journey, Touch } from '#shared/domain/journey/record';
import { parsePolicy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { ExitReason } from '#shared/domain/vocabulary';
import { runNightlyJob } from '#shared/engine/nightly-job';
import { silentLogger } from '#shared/ports/logger';
import type { CustomerStore, StoredJourneys } from '#shared/ports/customer-store';
import { mulberry32 } from '../seeded-random.ts';

/**
 * The nightly KPI job over N synthetic journeys, streamed from a store that makes them on the fly
 * (nothing holds them all), written as Parquet to a temporary lake; then DuckDB computes the same
 * KPIs with sql/kpis.sql over the same files. Run it in a process of its own: peak memory is
 * the process's RSS.
 */

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T02:30:00Z');
const policy = parsePolicy(telecomPortOut);

function syntheticRecord(i: number, rand: () => number): CustomerRecord {
  const churnedAt = NOW - Math.floor(rand() * 330 + 130) * DAY;
  const arm = rand() < 0.1 ? 'control' : 'treatment';
  const eligible = rand() > 0.15;
  const returned = eligible && rand() < (arm === 'treatment' ? 0.16 : 0.1);
  const returnedAt = returned ? churnedAt + Math.floor(rand() * 90) * DAY : undefined;
  const touch = (index: number, status: Touch['status']): Touch => ({
    kind: 'policy',
    touchId: `j${i}-${index + 1}`,
    index,
    angle: index === 0 ? 'fix' : 'offer',
    offerId: index === 0 ? 'fix-coverage' : 'offer-profile',
    channel: rand() < 0.8 ? 'sms' : 'email',
    dueAt: new Date(churnedAt + (30 + index * 30) * DAY).toISOString(),
    timerName: `t${i}-${index}`,
    status,
    deferrals: 0,
    attempts: 1,
    cost: status === 'sent' ? 0.05 : 0,
    engagement:
      rand() < 0.7
        ? { delivered: new Date(churnedAt).toISOString(), ...(rand() < 0.1 ? { clicked: new Date(churnedAt).toISOString() } : {}) }
        : {},
  });
  const sentStatus: Touch['status'] = arm === 'control' ? 'withheld' : 'sent';
  const journey: Journey = {
    journeyId: `j${i}`,
    churnEventId: `e${i}`,
    policyId: policy.id,
    policyVersion: policy.version,
    churnKind: 'port_out',
    exitReason: ExitReason.options[Math.floor(rand() * ExitReason.options.length)]!,
    churnedAt: new Date(churnedAt).toISOString(),
    plannedAt: new Date(churnedAt).toISOString(),
    status: !eligible ? 'ineligible' : returned ? 'won_back' : 'active',
    ineligibleReasons: eligible ? [] : ['repeat_churner'],
    segment: { tier: ['high', 'mid', 'standard'][Math.floor(rand() * 3)]!, exitReason: 'coverage', churnKind: 'port_out', key: '' },
    arm,
    variant: rand() < 0.5 ? 'A' : 'B',
    touches: eligible ? [touch(0, sentStatus), touch(1, returned && rand() < 0.5 ? 'cancelled' : sentStatus)] : [],
    monthlyRevenue: 30,
    ...(returnedAt ? { returnedAt: new Date(returnedAt).toISOString(), returnRevenue: 30 } : {}),
    ...(returned && rand() < 0.3 ? { npsScore: Math.floor(rand() * 11) } : {}),
  };
  return { customerId: `bench-${i}`, version: 1, consentSetAt: {}, journeys: [journey], history: [] };
}

/** A store whose scan makes the records on the fly, a segment per stripe of ids. */
function syntheticStore(journeys: number): Pick<CustomerStore, 'scan'> {
  return {
    async *scan(segment, totalSegments): AsyncIterable<StoredJourneys> {
      // Seeded, so every run benchmarks the same data.
      const rand = mulberry32(segment + 1);
      for (let i = segment; i < journeys; i += totalSegments) yield { kind: 'customer', record: syntheticRecord(i, rand) };
    },
  };
}

/** What one run of the KPI benchmark measured. */
export interface KpiBenchResult {
  journeys: number;
  segments: number;
  jobSeconds: number;
  peakRssBytes: number;
  /** Peak RSS above the RSS at the start of the job. */
  rssGrowthBytes: number;
  factFiles: number;
  kpiRows: number;
  duckSeconds: number;
  duckRows: number;
}

/** Runs the job over `journeys` synthetic journeys in `segments` scan segments, then DuckDB's KPIs over its Parquet. */
export async function runKpiBench(journeys: number, segments: number): Promise<KpiBenchResult> {
  const lakeRoot = mkdtempSync(join(tmpdir(), 'winback-bench-kpi-'));
  try {
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const startRss = process.memoryUsage().rss;
    const t0 = performance.now();
    const summary = await runNightlyJob(
      {
        store: syntheticStore(journeys),
        lake: new FileObjectStore(lakeRoot),
        encode: encodeParquet,
        policies: new PolicyRegistry([policy]),
        clock: { now: () => NOW },
        logger: silentLogger,
        idHashKey: 'bench-key',
        costPerAcquisition: 150,
        scanSegments: segments,
      },
      '2026-11-23',
    );
    const jobSeconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const lake = await openLake(lakeRoot);
    const t1 = performance.now();
    const duckRows = await lake.query(renderKpiSql('2026-11-23', 150));
    const duckSeconds = (performance.now() - t1) / 1000;
    lake.close();
    return {
      journeys: summary.journeys,
      segments,
      jobSeconds,
      peakRssBytes: peakRss,
      rssGrowthBytes: peakRss - startRss,
      factFiles: summary.factFiles.length,
      kpiRows: summary.kpiRows,
      duckSeconds,
      duckRows: duckRows.length,
    };
  } finally {
    rmSync(lakeRoot, { recursive: true, force: true });
  }
}
