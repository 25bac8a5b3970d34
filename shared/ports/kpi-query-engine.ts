/**
 * A SQL engine that computes a night's KPIs where the facts are, instead of in the job's process:
 * Athena over the lake bucket in AWS, DuckDB over the lake folder locally.
 *
 * The nightly job writes the night's `journey_facts` partition first, then asks the engine for
 * the `kpis` partition. The engine runs `sql/kpis.sql` — the same query that is proven equal,
 * row for row and double for double, to the in-process `KpiAggregator` — so at any volume no
 * process has to hold or fold every journey.
 */
export interface KpiQueryEngine {
  /**
   * Runs `sql/kpis.sql` for the night `date` over `journey_facts` and writes the answer as the
   * `kpis` partition `kpis/dt=<date>/`, replacing whatever was there (a re-run replaces rather
   * than adds). The files carry exactly the columns of the `kpis` table
   * (`shared/domain/kpi/tables.ts`), in Parquet, under names the engine chooses.
   *
   * @param date the night, `YYYY-MM-DD`; must already have its `journey_facts` partition
   * @param costPerAcquisition what acquiring a new customer costs, compared with each win-back
   * @returns the number of KPI rows written, or 0 when the engine cannot tell (the partition is
   *          written all the same)
   * @throws when the query fails or does not finish in time; the partition may then hold
   *         partial files until the next run clears it
   */
  writeKpis(date: string, costPerAcquisition: number): Promise<{ rows: number }>;
}
