import './sdk-warning.ts';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AthenaSqlReader } from '#shared/adapters/aws/athena-sql-reader';
import { outputsFromCdkFile, outputsFromDescribeStacks } from '#shared/adapters/aws/dead-letter-routes';
import { createAthenaClient } from '#shared/adapters/aws/lake-clients';
import { openLake } from '#shared/adapters/local/duckdb-lake';
import type { SqlReader } from '#shared/ports/sql-reader';
import { buildReport } from '#shared/report/build';
import { LATEST_REPORT_KEY, REPORT_OUTPUT_KEYS, reportKey } from '#shared/report/keys';
import { readReportSql } from '#shared/report/sql-files';
import { type CommandSpec, readCommandLine, UsageError } from './cli.ts';

/**
 * `npm run report`: the KPI report of a night as one self-contained HTML file (charts inline, no
 * network), from the KPI tables with the project's own SQL (`sql/report/*.sql`).
 *
 *   npm run report                                  the latest night, DuckDB over the local lake
 *   npm run report -- --date 2026-05-15 --out r.html
 *   npm run report -- --aws                         the same queries in Athena, for the deployed stack
 *   npm run report -- --aws --open-url [--date D]   a presigned URL (1 hour) to the report the nightly job wrote
 *
 * Locally it reads `${WINBACK_DATA_DIR:-.winback}/lake`. With `--aws`, the lake bucket and the
 * Athena names come from the engine stack's outputs (`--stack`, default WinbackEngine): from
 * `--outputs-file` (what `cdk deploy --outputs-file` wrote) or `aws cloudformation
 * describe-stacks`; `--open-url` signs the link with `aws s3 presign`. Both use the AWS CLI with
 * the shell's credentials and region, as `npm run dlq:replay` does. Whatever fails prints what is
 * wrong and exits 1; bad options exit 2 (bin/cli.ts).
 */
const REPORT_COMMAND = {
  command: 'npm run report --',
  summary:
    'Writes the KPI report of a night as one self-contained HTML file (charts inline, no network), from the KPI tables with sql/report/*.sql.',
  usage: [
    '[--date YYYY-MM-DD] [--out FILE]',
    '--aws [--date YYYY-MM-DD] [--out FILE] [--stack NAME] [--outputs-file FILE]',
    '--aws --open-url [--date YYYY-MM-DD]',
  ],
  options: {
    date: { type: 'string', value: 'YYYY-MM-DD', description: 'the night to report (default: the latest night with KPIs)' },
    out: { type: 'string', short: 'o', value: 'file', description: 'where to write the page (default: winback-report-<night>.html)' },
    aws: { type: 'boolean', description: 'run the queries in Athena for the deployed engine stack, not DuckDB over the local lake' },
    'open-url': { type: 'boolean', description: 'with --aws: print a presigned URL (1 hour) to the report the nightly job wrote' },
    stack: { type: 'string', value: 'name', description: 'the engine stack (default: WinbackEngine)' },
    'outputs-file': {
      type: 'string',
      value: 'file',
      description: 'the stack outputs from `cdk deploy --outputs-file`, instead of describe-stacks',
    },
  },
  environment: [{ name: 'WINBACK_DATA_DIR', description: "the local runner's data folder; its lake/ is read", default: '.winback' }],
  notes: ['--aws uses the AWS CLI and SDK with your shell\'s credentials and region. What each number means: docs/kpis.md, "The report".'],
} as const satisfies CommandSpec;

interface Options {
  date?: string;
  out?: string;
  aws: boolean;
  openUrl: boolean;
  stack: string;
  outputsFile?: string;
}

const options: Options = readCommandLine(REPORT_COMMAND, ({ values }) => {
  const { date, out } = values;
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new UsageError(`--date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  if (values['open-url'] && !values.aws) throw new UsageError('--open-url needs --aws');
  if (values['open-url'] && out !== undefined) throw new UsageError('give --open-url or --out, not both');
  return {
    ...(date !== undefined ? { date } : {}),
    ...(out !== undefined ? { out } : {}),
    aws: values.aws === true,
    openUrl: values['open-url'] === true,
    stack: values.stack ?? 'WinbackEngine',
    ...(values['outputs-file'] !== undefined ? { outputsFile: values['outputs-file'] } : {}),
  };
});

const aws = async (args: string[]) => (await promisify(execFile)('aws', args)).stdout;

/** The lake bucket and the Athena names of the deployed engine stack. */
async function deployment(options: Options): Promise<{ bucket: string; workgroup: string; database: string }> {
  const outputs =
    options.outputsFile !== undefined
      ? outputsFromCdkFile(JSON.parse(readFileSync(options.outputsFile, 'utf8')), options.stack)
      : outputsFromDescribeStacks(
          JSON.parse(
            await aws([
              'cloudformation',
              'describe-stacks',
              '--stack-name',
              options.stack,
              '--query',
              'Stacks[0].Outputs',
              '--output',
              'json',
            ]),
          ),
        );
  const missing = Object.values(REPORT_OUTPUT_KEYS).filter((key) => !outputs[key]);
  if (missing.length > 0)
    throw new Error(`the stack ${options.stack} has no output ${missing.join(', ')}: deploy the current engine stack first`);
  return {
    bucket: outputs[REPORT_OUTPUT_KEYS.bucket]!,
    workgroup: outputs[REPORT_OUTPUT_KEYS.workgroup]!,
    database: outputs[REPORT_OUTPUT_KEYS.database]!,
  };
}

/** A presigned URL to the report the nightly job wrote (the latest, or the night asked for). */
async function openUrl(options: Options): Promise<void> {
  const { bucket } = await deployment(options);
  const key = options.date === undefined ? LATEST_REPORT_KEY : reportKey(options.date);
  try {
    await aws(['s3api', 'head-object', '--bucket', bucket, '--key', key]);
  } catch {
    throw new Error(
      `no report at s3://${bucket}/${key}: the nightly job writes it after that night's KPIs (or check your AWS credentials)`,
    );
  }
  console.log((await aws(['s3', 'presign', `s3://${bucket}/${key}`, '--expires-in', '3600'])).trim());
}

/** Builds the report with `reader` and writes it to `--out`, or to `winback-report-<night>.html`. */
async function writeReport(reader: SqlReader, options: Options): Promise<void> {
  const generatedAt = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const report = await buildReport(reader, readReportSql(), { ...(options.date ? { date: options.date } : {}), generatedAt });
  const out = resolve(options.out ?? `winback-report-${report.night}.html`);
  writeFileSync(out, report.html);
  console.log(`wrote ${out} (night ${report.night})`);
}

try {
  if (options.openUrl) await openUrl(options);
  else if (options.aws) {
    const { workgroup, database } = await deployment(options);
    await writeReport(new AthenaSqlReader({ client: createAthenaClient(), workgroup, database }), options);
  } else {
    const lake = await openLake(join(process.env.WINBACK_DATA_DIR || '.winback', 'lake'));
    try {
      await writeReport(lake, options);
    } finally {
      lake.close();
    }
  }
} catch (error) {
  // A missing night, a query answer without a column the page reads, a SQL or AWS error: the
  // message says which; a stack trace would not help.
  console.error(`report: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
