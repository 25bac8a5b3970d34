import { readFileSync } from 'node:fs';
import { REPORT_QUERY_NAMES, type ReportQueryName, type ReportSql } from './queries.ts';

/** Where the report's queries live in the project. */
export const REPORT_SQL_DIRECTORY = new URL('../../sql/report/', import.meta.url);

/**
 * The text of every `sql/report/<name>.sql`, read from the project's files (the command-line
 * tool, the local runner, tests); the nightly Lambda embeds the same files at bundle time.
 */
export function readReportSql(): ReportSql {
  return Object.fromEntries(
    REPORT_QUERY_NAMES.map((name) => [name, readFileSync(new URL(`${name}.sql`, REPORT_SQL_DIRECTORY), 'utf8')]),
  ) as Record<ReportQueryName, string>;
}
