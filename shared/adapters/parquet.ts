import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnType, Row, TableDefinition } from '#shared/domain/kpi/tables';

const PARQUET_TYPE: Record<ColumnType, 'STRING' | 'INT32' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP'> = {
  string: 'STRING',
  int: 'INT32',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

/**
 * Encodes rows as one Parquet file with exactly the table's columns, in its order and types
 * (timestamps are epoch milliseconds in rows, TIMESTAMP_MILLIS in the file). Readable by Athena
 * and DuckDB alike.
 */
export function encodeParquet(table: TableDefinition, rows: readonly Row[]): Uint8Array {
  const columnData = table.columns.map((column) => ({
    name: column.name,
    type: PARQUET_TYPE[column.type],
    data: rows.map((row) => {
      const value = row[column.name] ?? null;
      return column.type === 'timestamp' && value !== null ? new Date(value as number) : value;
    }),
  }));
  return new Uint8Array(parquetWriteBuffer({ columnData, createdBy: 'winback' }));
}
