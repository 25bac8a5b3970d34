import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fillKpiSql } from '#shared/domain/kpi/kpi-sql';
import { KPIS } from '#shared/domain/kpi/tables';
import type { KpiQueryEngine } from '#shared/ports/kpi-query-engine';
import { KPI_SQL_PATH, openLake } from './duckdb-lake.ts';

/** The one file DuckDB writes per night: the name the in-process job gives its KPI file too. */
export const DUCKDB_KPI_FILE = 'part-00000.parquet';

/**
 * {@link KpiQueryEngine} on DuckDB over the local lake folder: what Athena does in AWS, on this
 * machine, for the local runner and the tests.
 *
 * Primary course:
 *  1. Fill `sql/kpis.sql` for the night (read from the repository when the engine is created).
 *  2. Remove the folder `kpis/dt=<date>/` and create it empty, as UNLOAD needs in Athena.
 *  3. Open the lake with {@link openLake} — now, after the job has written the night's facts, as
 *     its views see only the files there when opened — and run `COPY (<sql>) TO
 *     '<lakeRoot>/kpis/dt=<date>/part-00000.parquet' (FORMAT PARQUET)`. DuckDB writes the query's
 *     INTEGER, DOUBLE and VARCHAR columns as Parquet INT32, DOUBLE and UTF-8 strings, which read
 *     back exactly as the files of the in-process job (`encodeParquet`); one file, in the
 *     query's order (DuckDB preserves insertion order).
 */
export class DuckDbKpiEngine implements KpiQueryEngine {
  private readonly lakeRoot: string;
  private readonly sqlTemplate: string;

  /**
   * @param lakeRoot the lake folder (`.winback/lake/` for the local runner)
   * @param sqlTemplate the text of `sql/kpis.sql`; read from the repository unless given
   */
  constructor(lakeRoot: string, sqlTemplate: string = readFileSync(KPI_SQL_PATH, 'utf8')) {
    this.lakeRoot = resolve(lakeRoot);
    this.sqlTemplate = sqlTemplate;
  }

  async writeKpis(date: string, costPerAcquisition: number): Promise<{ rows: number }> {
    const select = fillKpiSql(this.sqlTemplate, date, costPerAcquisition);
    const folder = join(this.lakeRoot, `${KPIS.prefix}dt=${date}`);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    const file = join(folder, DUCKDB_KPI_FILE).replaceAll("'", "''");

    const lake = await openLake(this.lakeRoot);
    try {
      // COPY answers one row: the number of rows it wrote.
      const { rows } = await lake.queryTable(`COPY (\n${select}\n) TO '${file}' (FORMAT PARQUET)`);
      return { rows: Number(rows[0]?.[0] ?? 0) };
    } finally {
      lake.close();
    }
  }
}
