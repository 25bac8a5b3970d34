import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Policy } from '#shared/domain/policy';
import { loadPolicyFiles, PolicyFileError } from '#shared/domain/policy-file';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import {
  deploymentLegalSendWindows,
  LEGAL_SEND_WINDOWS,
  type LegalSendWindows,
  LegalSendWindowsSchema,
  wideningIssues,
} from '#shared/domain/legal-send-windows';
import { TeamName } from '#shared/domain/vocabulary';
import { PriceSettingsSchema } from '#shared/domain/default-prices';
import { priceCurrencyIssues } from '#shared/domain/pricing';
import { toFieldIssues } from '#shared/domain/events';
import { CostPerAcquisition, KpiEngineName, NIGHTLY_DEFAULTS, ScanSegments } from '#shared/config/lambda-environment';
import { SenderAddress } from './sender.ts';

/** When the nightly KPI job runs each day, in UTC, unless the operator says otherwise. */
export const DEFAULT_NIGHTLY_RUN = { hour: 2, minute: 30 } as const;

/** Empty strings in cdk.json mean "not set", so operators can keep every key visible. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

/** Operator settings for a deployment: `context.winback` in cdk.json, or a JSON file named by `-c winbackConfig=path`. */
export const SettingsSchema = z.object({
  /**
   * The address e-mails are sent from, on a verified SES identity. Without it the stack is built
   * without the e-mail channel: no touch is planned or sent by e-mail. An address on a domain
   * reserved for examples (RFC 2606: example.com, .test, .invalid…) is refused.
   */
  sesFromAddress: optional(SenderAddress),
  /** The SES identity to authorize: the from-address's domain unless set (needs `sesFromAddress`). */
  sesIdentity: optional(z.string().min(3)),
  /**
   * `apiKey`: API Gateway API keys with a usage plan (throttle + quota per upstream system);
   * `iam`: SigV4-signed requests, for upstream systems inside AWS.
   */
  apiAuth: z.enum(['apiKey', 'iam']).default('apiKey'),
  /** Alphanumeric SMS sender id (1–11 characters) where the destination country allows one. */
  smsSenderId: optional(z.string().regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/, 'must be 1–11 letters or digits, with at least one letter')),
  /** Origination number (E.164) or identity for SMS, where the destination country requires one. */
  smsOriginationNumber: optional(z.e164()),
  /**
   * Who receives retention tasks, by team (the `team` of the policies' escalation routes): e-mail
   * addresses subscribed to the task topic, each with a filter on its team. A team without
   * addresses still has its tasks listed by `GET /v1/tasks`.
   * @default {}
   */
  retentionTeams: z.record(TeamName, z.array(z.email()).min(1)).default({}),
  /**
   * Where the tracked links in messages point (`<url>/r/<token>`): a short HTTPS domain mapped to
   * the public API (an API Gateway custom domain), since every character of a link is paid for in
   * an SMS. Default: the API's own URL (about 60 characters before the token).
   */
  linkBaseUrl: optional(z.url({ protocol: /^https$/, error: 'must be an https:// URL' })),
  /**
   * WhatsApp through AWS End User Messaging Social: the phone number id of a WhatsApp Business
   * Account linked in that service's console (`phone-number-id-` and 32 hex digits). Set, the
   * deployment sends WhatsApp template messages and listens to the account's event destination;
   * unset, no policy plans on WhatsApp.
   */
  whatsapp: optional(
    z.strictObject({
      phoneNumberId: z
        .string()
        .regex(
          /^phone-number-id-[0-9a-f]{32}$/,
          'must be an End User Messaging Social phone number id: phone-number-id- and 32 hex digits',
        ),
    }),
  ),
  /**
   * Partner push: the `push` channel through a partner's app (the bank app of a bank
   * partnership). `endpoint`: the partner's HTTPS URL each message is POSTed to, signed
   * (docs/api.md, "Partner push"); never plain HTTP, since messages carry customer ids and
   * offers. `signingSecretArn`: the complete ARN of a Secrets Manager secret (its string) to sign
   * with, shared with the partner; absent, the stack creates one. Unset, no policy plans push.
   */
  partnerPush: optional(
    z.strictObject({
      endpoint: z.url({
        protocol: /^https$/,
        error: 'must be an https:// URL: push messages carry customer ids and offers, never sent in clear',
      }),
      signingSecretArn: optional(
        z
          .string()
          .regex(
            /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/,
            'must be the complete ARN of a Secrets Manager secret (ending in the 6 characters Secrets Manager adds to its name)',
          ),
      ),
    }),
  ),
  /** Where alarms are e-mailed; alarms still exist (on the alarm topic) without it. */
  alarmEmail: optional(z.email()),
  /**
   * Legal send windows of the markets this deployment serves, beyond the embedded ones (US
   * federal 08:00–21:00, Florida 08:00–20:00), e.g.
   * `[{ "market": "FR", "start": "08:00", "end": "20:00", "weekdays": [1, 2, 3, 4, 5, 6] }]`.
   * Every policy's send window is narrowed by them. An entry may add a market or narrow a known
   * one (a subdivision is bound by its country's window too); one that would widen the law is
   * refused.
   * @default []
   */
  legalSendWindows: LegalSendWindowsSchema.superRefine((windows, ctx) => {
    for (const { path, message } of wideningIssues(LEGAL_SEND_WINDOWS, windows)) ctx.addIssue({ code: 'custom', path, message });
  }).default([]),
  /**
   * What each message costs, priced when it is sent (docs/deploy.md, "Message prices"): a currency,
   * per channel a price per billed unit (SMS part, message) with prices by destination country,
   * and exchange rates into the policies' currencies. Keys left out take the defaults (AWS list
   * prices in USD, dated; check them), e.g. `{ "channels": { "sms": { "default": 0.08,
   * "byCountry": { "ES": 0.07 } } } }`. A task notice is always free.
   * @default DEFAULT_PRICE_TABLE
   */
  prices: PriceSettingsSchema,
  /** A JSON policy file replacing the embedded telecom port-out policy. */
  policyFile: optional(z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])),
  /**
   * When the nightly KPI job runs each day, in UTC.
   * @default { hour: 2, minute: 30 }
   */
  nightlyRun: z
    .strictObject({
      hour: z
        .number()
        .int()
        .min(0, 'must be an hour of the day in UTC, 0–23')
        .max(23, 'must be an hour of the day in UTC, 0–23')
        .default(DEFAULT_NIGHTLY_RUN.hour),
      minute: z.number().int().min(0, 'must be a minute, 0–59').max(59, 'must be a minute, 0–59').default(DEFAULT_NIGHTLY_RUN.minute),
    })
    .default(DEFAULT_NIGHTLY_RUN),
  /**
   * What acquiring a new customer costs, in the currency of the policy (the currency its message
   * and offer costs are in): each win-back's cost is compared with it in the KPIs.
   * @default 150
   */
  costPerAcquisition: CostPerAcquisition.default(NIGHTLY_DEFAULTS.costPerAcquisition),
  /**
   * Parallel DynamoDB scan segments the nightly job reads side by side (more is faster on a large
   * table, and uses more of its read capacity at once).
   * @default 4
   */
  scanSegments: ScanSegments.default(NIGHTLY_DEFAULTS.scanSegments),
  /**
   * Who computes the nightly KPIs from the journey facts. `in-process`: the nightly function
   * folds them as it writes the facts (memory bounded by the number of groups). `athena`: the
   * function only writes the facts, then runs `sql/kpis.sql` in Athena as an UNLOAD into the
   * `kpis` partition — for volumes one function should not aggregate; billed per byte scanned,
   * within the workgroup's scan limit (`athenaScanLimitGb`). Both give the same rows.
   * @default 'in-process'
   */
  kpiEngine: KpiEngineName.default(NIGHTLY_DEFAULTS.kpiEngine),
  /**
   * Per-query scan limit of the Athena workgroup, in GiB: a query that would read more is
   * cancelled (and billed only up to the limit). Athena's minimum is 10 MB.
   * @default 10
   */
  athenaScanLimitGb: z
    .number()
    .min(0.01, 'must be at least 0.01 (Athena refuses a limit under 10 MB)')
    .max(1_000_000, 'must be at most 1000000 (about 1 PiB)')
    .default(10),
});

export type Settings = z.output<typeof SettingsSchema> & { policies: Policy[] };

export class SettingsError extends Error {}

/** Reads and validates settings; a problem names every key at fault and where it was read from. */
export function readSettings(context: { tryGetContext(key: string): unknown }): Settings {
  const file = context.tryGetContext('winbackConfig');
  const source = typeof file === 'string' ? `file ${file}` : 'cdk.json context "winback"';
  const raw = typeof file === 'string' ? readSettingsFile(file) : context.tryGetContext('winback');
  if (raw === undefined)
    throw new SettingsError(
      `Winback settings missing: add a "winback" object to the context in cdk.json, or pass -c winbackConfig=<file.json>`,
    );
  const result = SettingsSchema.safeParse(raw);
  if (!result.success) {
    throw new SettingsError(
      `Invalid Winback settings (${source}):\n${toFieldIssues(result.error)
        .map((i) => `  ${i.path}: ${i.message}`)
        .join('\n')}`,
    );
  }
  if (result.data.sesIdentity !== undefined && result.data.sesFromAddress === undefined)
    throw new SettingsError(
      `Invalid Winback settings (${source}):\n  sesIdentity: is set without sesFromAddress: set the sender address too, or neither`,
    );
  // Several files: every policy version still in use by running journeys (the first plans new ones).
  const files = result.data.policyFile === undefined ? [] : [result.data.policyFile].flat();
  // Each policy is checked against the deployment's law, which may be narrower than the embedded one.
  const legal = deploymentLegalSendWindows(result.data.legalSendWindows);
  const policies = readPolicyFiles(files, legal);
  const registry = deploymentPolicies(policies, { legalSendWindows: result.data.legalSendWindows });
  // Every message is priced in its policy's currency: a policy the price table cannot convert into is refused.
  const unpriced = priceCurrencyIssues(result.data.prices, registry.versions());
  if (unpriced.length > 0)
    throw new SettingsError(`Invalid Winback settings (${source}):\n${unpriced.map((issue) => `  prices: ${issue}`).join('\n')}`);
  // A team no policy routes to would get an e-mail subscription and never a task: a typo.
  const teams = registry.teams();
  const unrouted = Object.keys(result.data.retentionTeams).filter((team) => !teams.includes(team));
  if (unrouted.length > 0) {
    throw new SettingsError(
      `Invalid Winback settings (${source}):\n${unrouted.map((team) => `  retentionTeams.${team}: no policy routes tasks to this team (they route to: ${teams.join(', ') || 'none'})`).join('\n')}`,
    );
  }
  return { ...result.data, policies };
}

/** The JSON of a settings file (`-c winbackConfig=…`); one that cannot be read or parsed is named, with why. */
function readSettingsFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SettingsError(
      `Cannot read the Winback settings file ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`The Winback settings file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads and validates the policy files as every Winback tool does; a problem names the file, the field and the offer or touch. */
function readPolicyFiles(files: readonly string[], legal: LegalSendWindows): Policy[] {
  try {
    return loadPolicyFiles(files, (file) => readFileSync(file, 'utf8'), { legal });
  } catch (error) {
    if (error instanceof PolicyFileError) throw new SettingsError(error.message);
    throw error;
  }
}
