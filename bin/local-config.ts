import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PriceSettingsSchema } from '#shared/domain/default-prices';
import { ValidationError } from '#shared/domain/errors';
import { toFieldIssues } from '#shared/domain/events';
import type { PolicyRegistry } from '#shared/domain/policy-registry';
import { type PriceTable, priceCurrencyIssues } from '#shared/domain/pricing';
import type { CliVariable } from './cli.ts';

/**
 * Settings of the local runner (DESIGN.md, "Local runner"), read from the environment. Each
 * one's description is what `npm start -- --help` prints for it.
 */
export const LocalConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('port to listen on, on 127.0.0.1 only (0: any free port)'),
  WINBACK_API_KEY: z
    .string()
    .min(8, 'must be at least 8 characters')
    .default('local-dev-key')
    .describe('the x-api-key every request must carry (at least 8 characters)'),
  WINBACK_START_TIME: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('where the virtual clock starts (ISO 8601) on a new data folder; a folder started otherwise refuses it (see --reset)'),
  WINBACK_DATA_DIR: z.string().min(1).default('.winback').describe('the data folder: customers, timers, clock, outbox, lake'),
  /** Optional JSON policy files replacing the embedded policies. */
  WINBACK_POLICY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('JSON policy files, comma-separated, replacing the embedded policies (default: the embedded ones)'),
  /** The local stand-in for the deployment's master secret: pseudonymous ids and unsubscribe links derive from it. */
  WINBACK_MASTER_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .default('winback-local-master-key')
    .describe('the key pseudonymous ids and unsubscribe links derive from (at least 16 characters)'),
  /**
   * Optional JSON file of message prices, the same shape as the deployment settings' `prices`
   * (keys left out take the same defaults as a deployment's).
   */
  WINBACK_PRICES_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("JSON file of message prices, the shape of the deployment settings' prices (default: the default price table)"),
  /** What acquiring a new customer costs, for the KPIs' cost comparison (policy currency). */
  WINBACK_COST_PER_ACQUISITION: z.coerce
    .number()
    .positive()
    .default(150)
    .describe("what acquiring a customer costs, in the policy's currency, for the KPIs"),
  /**
   * Who computes the nightly KPIs: the job itself (`in-process`), or DuckDB running
   * `sql/kpis.sql` over the facts the job wrote (`duckdb`, what Athena does in AWS with
   * `kpiEngine: "athena"`). Both write the same `kpis` partition.
   */
  WINBACK_KPI_ENGINE: z
    .enum(['in-process', 'duckdb'])
    .default('in-process')
    .describe('who computes the nightly KPIs: in-process, or duckdb running sql/kpis.sql as Athena does'),
  /**
   * Where customers are stored: embedded SQLite (`sqlite`, `<data>/winback.db`, no Java needed), or
   * Amazon's DynamoDB Local (`dynamodb-local`, `<data>/dynamodb/`) through the same DynamoDB adapter
   * as in AWS. Timers and the virtual clock are in `<data>/winback.db` either way.
   */
  WINBACK_STORE: z
    .enum(['sqlite', 'dynamodb-local'])
    .default('sqlite')
    .describe('where customers are kept: sqlite (winback.db), or dynamodb-local (Java 17) through the AWS adapter'),
  /**
   * The public URL tracked links in messages point at (`<url>/r/<token>`): where customers reach
   * this runner. Default: the runner's own address.
   */
  WINBACK_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional()
    .describe("where the tracked links in messages point (<url>/r/<token>; default: the runner's own address)"),
  /**
   * The partner's endpoint push messages are POSTed to, signed with `WINBACK_PARTNER_PUSH_SECRET`
   * (plain HTTP only to this machine). Absent: push messages land in the outbox only.
   */
  WINBACK_PARTNER_PUSH_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional()
    .describe('the partner endpoint push messages are POSTed to, signed (https, or http to 127.0.0.1; default: the outbox only)'),
  /** The secret push messages are signed with and partner receipts checked with (with `WINBACK_PARTNER_PUSH_URL`). */
  WINBACK_PARTNER_PUSH_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('the secret partner push messages and receipts are signed with (at least 16 characters)'),
  /** Port of DynamoDB Local (`WINBACK_STORE=dynamodb-local`); any free port when absent. */
  WINBACK_DYNAMODB_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('port of DynamoDB Local with WINBACK_STORE=dynamodb-local (default: any free port)'),
});
export type LocalConfig = z.output<typeof LocalConfigSchema>;

export function readLocalConfig(env: NodeJS.ProcessEnv): LocalConfig {
  const result = LocalConfigSchema.safeParse(env);
  if (!result.success) throw new ValidationError('invalid local runner settings', toFieldIssues(result.error));
  return result.data;
}

/** The runner's environment variables as `--help` lists them: each with its description and default. */
export function localEnvironment(): CliVariable[] {
  return Object.entries(LocalConfigSchema.shape).map(([name, schema]) => {
    const fallback = schema.safeParse(undefined);
    const value = fallback.success && fallback.data !== undefined ? String(fallback.data) : undefined;
    return { name, description: schema.description ?? '', ...(value !== undefined ? { default: value } : {}) };
  });
}

export const TABLE_NAME = 'winback';

/**
 * The price table the local engine prices messages with: the file's (over the defaults), or the
 * defaults. A bad file, or a policy in a currency the table cannot price in, is a
 * `ValidationError` naming the file and each field at fault.
 */
export function loadPriceTable(file: string | undefined, policies: PolicyRegistry): PriceTable {
  const source = file ? `price file ${file}` : 'default prices';
  let raw: unknown;
  try {
    raw = file === undefined ? undefined : JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`invalid ${source}`, [{ path: 'WINBACK_PRICES_FILE', code: 'unreadable', message: String(error) }]);
  }
  const parsed = PriceSettingsSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`invalid ${source}`, toFieldIssues(parsed.error));
  const issues = priceCurrencyIssues(parsed.data, policies.versions());
  if (issues.length > 0)
    throw new ValidationError(
      `invalid ${source}`,
      issues.map((message) => ({ path: 'exchangeRates', code: 'custom', message })),
    );
  return parsed.data;
}
