/**
 * Filling `sql/kpis.sql`, the portable KPI query run by Athena at scale and by DuckDB locally.
 * Pure on purpose: no file access and no engine, so the Athena adapter (in the Lambda bundle,
 * where the template is embedded at bundle time) and the DuckDB adapter (which reads the
 * template from the repository) share exactly one way of filling it.
 */

/**
 * Fills the placeholders of `sql/kpis.sql`: `{{dt}}` with the night (checked to be a real
 * `YYYY-MM-DD` date) and `{{cost_per_acquisition}}` with the number as a DOUBLE literal in
 * scientific notation (`2.5E2`), which both Trino and DuckDB parse to the same double as JS,
 * with no DECIMAL step. Both are validated so nothing but a date and a number reaches the SQL.
 * @throws RangeError for anything else
 */
export function fillKpiSql(template: string, dt: string, costPerAcquisition: number): string {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(dt) ||
    Number.isNaN(Date.parse(`${dt}T00:00:00Z`)) ||
    new Date(`${dt}T00:00:00Z`).toISOString().slice(0, 10) !== dt
  ) {
    throw new RangeError(`dt must be a date, YYYY-MM-DD: ${JSON.stringify(dt)}`);
  }
  if (typeof costPerAcquisition !== 'number' || !Number.isFinite(costPerAcquisition) || costPerAcquisition <= 0) {
    throw new RangeError(`cost per acquisition must be a finite number above 0: ${String(costPerAcquisition)}`);
  }
  // toExponential() gives the shortest digits that read back as the same double.
  const literal = costPerAcquisition.toExponential().toUpperCase().replace('E+', 'E');
  return template.replaceAll('{{dt}}', dt).replaceAll('{{cost_per_acquisition}}', literal);
}
