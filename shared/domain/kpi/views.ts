import { DATABASE, JOURNEY_FACTS, KPIS, type TableDefinition } from './tables.ts';

/**
 * Each `dt=` partition is a full snapshot, so summing over partitions counts every journey once
 * per night. The `…_latest` views read the latest night only: the latest `dt` of `kpis`, which
 * the nightly job writes after that night's facts, so a night still being written is never read
 * half-done. The same SQL is a Glue view in AWS (lib/analytics.ts) and a DuckDB view locally.
 */
export interface LatestView {
  /** View name in database `winback`, e.g. `kpis_latest`. */
  readonly name: string;
  /** The table it reads; the view has its columns, in order, then `dt`. */
  readonly table: TableDefinition;
  readonly description: string;
  /** The view's SELECT, portable between Athena and DuckDB. */
  readonly sql: string;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

function latestView(table: TableDefinition): LatestView {
  const columns = [...table.columns.map((c) => ident(c.name)), 'dt'].join(', ');
  return {
    name: `${table.name}_latest`,
    table,
    description: `${table.name} of the latest night only (the latest dt of kpis): query this, not ${table.name}, to count each journey once.`,
    sql: `SELECT ${columns} FROM ${DATABASE}.${table.name} WHERE dt = (SELECT max(dt) FROM ${DATABASE}.${KPIS.name})`,
  };
}

export const LATEST_VIEWS: readonly LatestView[] = [latestView(JOURNEY_FACTS), latestView(KPIS)];
