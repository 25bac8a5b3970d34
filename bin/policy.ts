import './sdk-warning.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AWS_CHANNELS, AWS_CONFIGURED_CHANNELS } from '#shared/adapters/aws/deployed-channels';
import { DomainError } from '#shared/domain/errors';
import type { Policy } from '#shared/domain/policy';
import { explainPolicy, type MessagePricer } from '#shared/domain/policy-explain';
import { checkPolicyText, formatProblems, readProblem } from '#shared/domain/policy-file';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { type PriceTable, priceMessage } from '#shared/domain/pricing';
import { CommandError, type CommandSpec, helpText, parseCommandLine, UsageError, usageText } from './cli.ts';
import { type PriceList, renderExplanation } from './explain-text.ts';
import { loadPriceTable } from './local-config.ts';

/**
 * `npm run policy -- check FILE…` and `npm run policy -- explain FILE [--json] [--prices FILE]`.
 *
 * - check: reads each policy file with the loader the local runner and `cdk synth` use
 *   (shared/domain/policy-file.ts) and prints `FILE: ok (id@version)` or every problem, each with
 *   its JSON path and the offer or touch by id. Exit 1 when any file is bad.
 * - explain: what the policy does, per segment, exit reason and variant (docs/policies.md,
 *   "Explain a policy"); `--json` prints it as JSON.
 *
 * Never a stack trace: a bad file is reported in a sentence (exit 1), a wrong command line in one
 * line with the usage (exit 2).
 */
export const POLICY_COMMAND = {
  command: 'npm run policy --',
  summary: 'Checks policy files as the local runner and cdk synth read them, or explains what a policy does with a churned customer.',
  usage: ['check <policy.json>…', 'explain <policy.json> [--json] [--prices <prices.json>]'],
  options: {
    json: { type: 'boolean', description: 'explain: print the explanation as JSON' },
    prices: {
      type: 'string',
      value: 'prices.json',
      description: 'explain: price texts with this price table (the shape of WINBACK_PRICES_FILE) instead of the defaults',
    },
  },
  positionals: true,
  notes: ['Docs: docs/policies.md ("Check a policy file", "Explain a policy", "Policy fields").'],
} as const satisfies CommandSpec;

/** A line to stdout (results) or stderr (problems). */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Reads and checks one file; undefined (and the problems printed) when it is bad. */
function readPolicy(file: string, output: Output): Policy | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    output.err(formatProblems(file, [readProblem(error)]));
    return undefined;
  }
  const result = checkPolicyText(text);
  if (!result.ok) {
    output.err(formatProblems(file, result.problems));
    return undefined;
  }
  return result.policy;
}

/** `check FILE…`: 0 when every file is a valid policy, 1 otherwise. */
function check(files: readonly string[], output: Output): number {
  if (files.length === 0) throw new UsageError('check needs at least one policy file');
  let bad = 0;
  for (const file of files) {
    const policy = readPolicy(file, output);
    if (!policy) {
      bad += 1;
      continue;
    }
    output.out(`${file}: ok (${policy.id}@${policy.version})`);
    const configured = policy.channels.filter((channel) => AWS_CONFIGURED_CHANNELS.includes(channel));
    const undeployed = policy.channels.filter((channel) => !AWS_CHANNELS.includes(channel) && !configured.includes(channel));
    if (configured.length > 0)
      output.out(`  note: ${configured.join(', ')} is sent in AWS only where the settings configure it (docs/deploy.md)`);
    if (undeployed.length > 0)
      output.out(
        `  note: ${undeployed.join(', ')} has no adapter in AWS (deployed there: ${AWS_CHANNELS.join(', ')}): no touch is planned on it there`,
      );
  }
  return bad > 0 ? 1 : 0;
}

/**
 * What a text costs at the price table's default price (no destination: an SMS to a country the
 * table does not list), in the policy's currency.
 */
function pricer(table: PriceTable, policy: Policy): MessagePricer {
  return (channel, text) => {
    const { cost, currency } = priceMessage(table, { channel, to: '', text }, policy.currency);
    return { cost, currency };
  };
}

/** The price table as the explanation shows it: per SMS part by destination country, and per message, in the policy's currency. */
export function priceList(table: PriceTable, policy: Policy): PriceList {
  const rate = policy.currency === table.currency ? 1 : table.exchangeRates[policy.currency]!;
  const convert = (price: number) => Math.round(price * rate * 1e6) / 1e6;
  const sms = table.channels.sms;
  return {
    currency: policy.currency,
    asOf: table.asOf ?? null,
    smsPerPart: {
      default: convert(sms.default),
      byCountry: Object.fromEntries(Object.entries(sms.byCountry).map(([country, price]) => [country, convert(price)])),
    },
    emailPerMessage: convert(table.channels.email.default),
    perMessage: Object.fromEntries(
      policy.channels
        .filter((channel) => channel !== 'sms' && channel !== 'email')
        .map((channel) => [channel, convert(table.channels[channel].default)]),
    ),
  };
}

/** `explain FILE [--json] [--prices FILE]`. */
function explain(files: readonly string[], options: { json: boolean; prices: string | undefined }, output: Output): number {
  if (files.length !== 1) throw new UsageError('explain takes exactly one policy file');
  const policy = readPolicy(files[0]!, output);
  if (!policy) return 1;
  const table = loadPriceTable(options.prices, deploymentPolicies([policy]));
  const explanation = {
    ...explainPolicy(policy, { deployedInAws: AWS_CHANNELS, configurableInAws: AWS_CONFIGURED_CHANNELS, price: pricer(table, policy) }),
    prices: priceList(table, policy),
  };
  output.out(options.json ? JSON.stringify(explanation, null, 2) : renderExplanation(explanation));
  return 0;
}

/** Runs the command line; returns the exit code (2: a usage mistake). */
export function runPolicyCommand(argv: readonly string[], output: Output): number {
  try {
    const { values, positionals, help } = parseCommandLine(POLICY_COMMAND, argv);
    if (help) {
      output.out(helpText(POLICY_COMMAND));
      return 0;
    }
    const [command, ...files] = positionals;
    if (command === 'check') return check(files, output);
    if (command === 'explain') return explain(files, { json: values.json === true, prices: values.prices }, output);
    throw new UsageError(command ? `unknown command "${command}": check or explain` : 'give a command: check or explain');
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(usageText(POLICY_COMMAND, error.message));
      return 2;
    }
    if (error instanceof DomainError) output.err(`${error.message}:${error.details.map((d) => `\n  ${d.path}: ${d.message}`).join('')}`);
    else if (error instanceof CommandError) output.err(error.message);
    else throw error;
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = runPolicyCommand(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
}
