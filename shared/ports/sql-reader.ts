/**
 * Runs a read-only SQL query over the analyst tables (`winback.kpis`, `winback.journey_facts`):
 * Athena in AWS, DuckDB over the local lake. Rows come back as plain values: numbers for integers
 * and doubles, booleans, strings (dates as `YYYY-MM-DD`), null.
 */
export interface SqlReader {
  query(sql: string): Promise<Array<Record<string, unknown>>>;
}
