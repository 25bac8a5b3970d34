import type { SqlReader } from '#shared/ports/sql-reader';
import { renderReportPage, type ReportPageOptions } from './page.ts';
import { loadReportData, type ReportData, type ReportSql } from './queries.ts';

/** A report built for one night: the page and the query answers it shows. */
export interface BuiltReport {
  night: string;
  html: string;
  data: ReportData;
}

/**
 * Builds the KPI report: runs `sql/report/*.sql` through `reader` (DuckDB locally, Athena in AWS)
 * for `date`, or the latest night with KPIs, and renders the page.
 * @throws ReportInputError when there is no such night; ReportQueryError when a query's answer
 *         does not have the columns the page reads
 */
export async function buildReport(
  reader: SqlReader,
  sql: ReportSql,
  options: ReportPageOptions & { date?: string } = {},
): Promise<BuiltReport> {
  const { date, ...page } = options;
  const data = await loadReportData(reader, sql, date);
  return { night: data.night, html: await renderReportPage(data, page), data };
}
