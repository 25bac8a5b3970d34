import type { ObjectStore } from '#shared/ports/object-store';
import type { ReportPublisher } from '#shared/ports/report-publisher';
import type { SqlReader } from '#shared/ports/sql-reader';
import { LATEST_REPORT_KEY, reportKey } from './keys.ts';
import type { ReportSql } from './queries.ts';

export interface ReportPublisherOptions {
  /**
   * Opens a reader over the KPI tables as they are now (DuckDB resolves the lake's files when
   * opened, so after the night's KPIs are written), closed after the report is built.
   */
  readonly openReader: () => Promise<SqlReader & { close?: () => void }>;
  readonly sql: ReportSql;
  /** Where the page is written (the lake bucket, or the local lake folder). */
  readonly lake: ObjectStore;
  /** When the page was generated, shown in its header. */
  readonly now: () => number;
}

/**
 * The report written as the nightly job's last step: `reports/dt=<night>/index.html`, and a copy as
 * `reports/latest/index.html` unless a later night already has KPIs (a re-run of an older night
 * never replaces the latest report with an older one).
 */
export function createReportPublisher(options: ReportPublisherOptions): ReportPublisher {
  return {
    async publish(date) {
      const reader = await options.openReader();
      let built: Awaited<ReturnType<typeof import('./build.ts').buildReport>>;
      try {
        // Loaded when a report is written, not when the function starts: the page's charting
        // library (Vega) is most of the nightly bundle, and its module code runs only now.
        const { buildReport } = await import('./build.ts');
        const generatedAt = `${new Date(options.now()).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
        built = await buildReport(reader, options.sql, { date, generatedAt });
      } finally {
        reader.close?.();
      }
      const keys = [reportKey(date), ...(built.data.latestNight === date ? [LATEST_REPORT_KEY] : [])];
      for (const key of keys) await options.lake.put(key, built.html, 'text/html; charset=utf-8');
      return { keys };
    },
  };
}
