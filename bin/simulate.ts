import './sdk-warning.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AWS_CHANNELS } from '#shared/adapters/aws/deployed-channels';
import { Channel } from '#shared/domain/channels';
import { toFieldIssues } from '#shared/domain/events';
import { DomainError } from '#shared/domain/errors';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { AssumptionsSchema, DEFAULT_ASSUMPTIONS, type Assumptions } from '#shared/simulator/assumptions';
import { parseCohort } from '#shared/simulator/cohort';
import { renderSimulationReport } from '#shared/simulator/report-html';
import { simulate } from '#shared/simulator/simulate';
import { buildSummary, type SimulationSummary } from '#shared/simulator/summary-file';
import { CommandError, type CommandSpec, helpText, parseCommandLine, UsageError, usageText } from './cli.ts';
import { loadPriceTable } from './local-config.ts';
import { readPolicyFiles } from './policy-file.ts';
import { renderSummaryText } from './simulate-text.ts';

/**
 * `npm run simulate -- --cohort FILE --policy FILE [--policy FILE] [--assume FILE] [--prices FILE]
 * [--out DIR] [--json] [--threads N] [--channels sms,email]`: what each policy would do with a
 * cohort of churned customers (docs/simulator.md). Writes summary.json and report.html into
 * `--out`; `--json` prints the summary; progress goes to stderr. A bad file is reported in a
 * sentence (exit 1), a wrong command line in one line with the usage (exit 2); never a stack trace.
 */
export const SIMULATE_COMMAND = {
  command: 'npm run simulate --',
  summary:
    'Runs a cohort of churned customers through the engine under one or more policies and reports, side by side, what each would do.',
  usage: ['--cohort <cohort.jsonl|cohort.csv> --policy <policy.json> [--policy <policy.json>] [options]'],
  options: {
    cohort: {
      type: 'string',
      value: 'file',
      description: 'the cohort: JSON Lines of API events, or a CSV export (docs/simulator.md, "The cohort")',
    },
    policy: { type: 'string', value: 'policy.json', multiple: true, description: 'a policy file; give it twice to compare two policies' },
    assume: {
      type: 'string',
      value: 'assumptions.json',
      description: 'response rates, baseline, cost per acquisition (default: docs/simulator.md)',
    },
    prices: {
      type: 'string',
      value: 'prices.json',
      description: 'the price table (the shape of WINBACK_PRICES_FILE; default: the defaults)',
    },
    out: { type: 'string', value: 'dir', description: 'where summary.json and report.html go (default: .winback/simulation)' },
    json: { type: 'boolean', description: 'print summary.json instead of the table' },
    threads: { type: 'string', value: 'n', description: 'threads to run on (default: every core from 5,000 customers, else 1)' },
    channels: {
      type: 'string',
      value: 'sms,email',
      description: "the channels the deployment has adapters for (default: AWS's, sms and email)",
    },
    'link-base-url': {
      type: 'string',
      value: 'url',
      description: 'where the texts’ tracked links point, so each SMS is priced with its link (default: https://go.example.com)',
    },
  },
  notes: [
    'Example: npm run simulate -- --cohort cohort.jsonl --policy examples/policies/telecom-port-out.v2.json --policy examples/policies/telecom-port-out-early.json',
  ],
} as const satisfies CommandSpec;

/** A cohort this large runs on every core; below it, starting threads costs more than it saves. */
const THREADS_FROM_CUSTOMERS = 5_000;

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CommandError(
      `cannot read the ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : String(error)}`,
    );
  }
}

function readAssumptions(file: string | undefined): Assumptions {
  if (!file) return DEFAULT_ASSUMPTIONS;
  const text = readText(file, 'assumptions file');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CommandError(
      `Invalid assumptions file ${file}:\n  (file): not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = AssumptionsSchema.safeParse(json);
  if (!parsed.success)
    throw new CommandError(
      `Invalid assumptions file ${file}:${toFieldIssues(parsed.error)
        .map((i) => `\n  ${i.path === '(body)' ? '(file)' : i.path}: ${i.message}`)
        .join('')}`,
    );
  return parsed.data;
}

function readChannels(list: string | undefined) {
  if (list === undefined) return AWS_CHANNELS;
  const channels = list.split(',').map((name) => name.trim());
  const unknown = channels.filter((name) => !Channel.safeParse(name).success);
  if (unknown.length > 0) throw new UsageError(`--channels: unknown channel ${unknown.join(', ')} (known: ${Channel.options.join(', ')})`);
  return channels as Channel[];
}

/** Progress on stderr, at most once a second, and at the end of each policy. */
function progressReporter(err: (line: string) => void) {
  let last = 0;
  const started = Date.now();
  return ({ policy, done, total }: { policy: string; done: number; total: number }) => {
    const now = Date.now();
    if (done < total && now - last < 1000) return;
    last = now;
    err(
      `${policy}: ${done.toLocaleString('en')} of ${total.toLocaleString('en')} customers simulated (${((now - started) / 1000).toFixed(1)} s)`,
    );
  };
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Runs the command line; resolves to the exit code. */
export async function runSimulateCommand(argv: readonly string[], io: Io): Promise<number> {
  try {
    const { values, help } = parseCommandLine(SIMULATE_COMMAND, argv);
    if (help) {
      io.out(helpText(SIMULATE_COMMAND));
      return 0;
    }
    if (!values.cohort) throw new UsageError('--cohort <file> is required');
    if (!values.policy?.length) throw new UsageError('--policy <policy.json> is required (give it twice to compare two policies)');
    const out = values.out ?? join('.winback', 'simulation');
    const policies = readPolicyFiles(values.policy);
    const assumptions = readAssumptions(values.assume);
    // The local runner's price table: its file (WINBACK_PRICES_FILE's shape) over the defaults.
    const prices = loadPriceTable(values.prices, deploymentPolicies(policies));
    const channels = readChannels(values.channels);
    const format = extname(values.cohort).toLowerCase() === '.csv' ? 'csv' : 'jsonl';
    const cohort = parseCohort(readText(values.cohort, 'cohort'), format);
    for (const p of cohort.problems) io.err(`${values.cohort}: line ${p.line}: ${p.field}: ${p.message}`);
    if (cohort.rejected > cohort.problems.length) io.err(`${values.cohort}: ${cohort.rejected} lines left out in all`);
    if (cohort.ignoredColumns.length > 0) io.err(`${values.cohort}: columns not read: ${cohort.ignoredColumns.join(', ')}`);
    const customers = new Set(cohort.events.map((e) => e.customerId)).size;
    const threads = values.threads ? Number(values.threads) : customers >= THREADS_FROM_CUSTOMERS ? availableParallelism() : 1;
    if (!Number.isInteger(threads) || threads < 1) throw new UsageError('--threads must be a whole number, 1 or more');
    const started = Date.now();
    const onProgress = progressReporter(io.err);
    const linkBaseUrl = values['link-base-url'];
    const results = await simulate(cohort.events, { policies, assumptions, channels, prices, threads, onProgress, linkBaseUrl });
    const summary = buildSummary({ file: values.cohort, format, cohort, channels, prices, assumptions, policies: results });
    const written = await writeOutputs(out, summary);
    io.err(
      `simulated ${customers.toLocaleString('en')} customers in ${((Date.now() - started) / 1000).toFixed(1)} s; wrote ${written.join(' and ')}`,
    );
    io.out(values.json ? JSON.stringify(summary, null, 2) : renderSummaryText(summary));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(usageText(SIMULATE_COMMAND, error.message));
      return 2;
    }
    if (error instanceof CommandError) io.err(error.message);
    else if (error instanceof DomainError) io.err(`${error.message}:${error.details.map((d) => `\n  ${d.path}: ${d.message}`).join('')}`);
    else throw error;
    return 1;
  }
}

async function writeOutputs(dir: string, summary: SimulationSummary): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written = [join(dir, 'summary.json'), join(dir, 'report.html')];
  writeFileSync(written[0]!, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(written[1]!, await renderSimulationReport(summary));
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await runSimulateCommand(process.argv.slice(2), {
    out: (text) => console.log(text),
    err: (text) => console.error(text),
  });
}
