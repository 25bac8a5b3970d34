import * as z from 'zod';

/**
 * Every environment variable of the Winback Lambdas, named once, one zod schema per group. The
 * CDK constructs set them through these names and types (`lib/environment.ts`,
 * `bindEnvironment`); each handler parses its groups once at cold start
 * ({@link readLambdaEnvironment}), and a missing or malformed variable fails the cold start with
 * one message naming every variable at fault. An infra test parses each synthesized function's
 * environment with the same schemas, so the two sides cannot drift.
 *
 * Only zod: the CDK code imports this module, and must not load the adapters or the SDK.
 */

/**
 * Defaults of the nightly job's settings, written once: the operator settings
 * (`lib/settings.ts`) fill them in at synth, and the function falls back on them at run time.
 */
export const NIGHTLY_DEFAULTS = {
  costPerAcquisition: 150,
  scanSegments: 4,
  kpiEngine: 'in-process',
} as const;

/** What acquiring a new customer costs, in the currency of the policy. */
export const CostPerAcquisition = z.number().positive('must be a positive amount in the currency of the policy');
/** Parallel DynamoDB scan segments of the nightly job. */
export const ScanSegments = z.number().int('must be a whole number').min(1, 'must be 1–64').max(64, 'must be 1–64');
/** Who computes the nightly KPIs: the nightly function itself, or Athena. */
export const KpiEngineName = z.enum(['in-process', 'athena'], { error: 'must be "in-process" or "athena"' });

/** A variable the function cannot run without (an empty value counts as missing). */
const required = () => z.string({ error: 'is missing' });
/** A variable that may be absent (or empty). */
const optional = () => z.string().optional();
/** A number written as text, checked by `rule` once read. */
const numeric = (rule: z.ZodType<number, number>) =>
  required()
    .refine((text) => text.trim() !== '' && Number.isFinite(Number(text)), 'must be a number')
    .transform(Number)
    .pipe(rule);

/** What every engine function reads: the store, the keys and the touch timers. */
export const EngineEnvironment = z.object({
  /** The journeys table. */
  TABLE_NAME: required(),
  /** The master key secret: pseudonymous ids, phone lookups and unsubscribe links derive from it. */
  KEYS_SECRET_ARN: required(),
  /** The EventBridge Scheduler group the one-shot touch timers live in. */
  SCHEDULE_GROUP_NAME: required(),
  /** What a touch timer invokes when it is due. */
  SEND_TOUCH_FUNCTION_ARN: required(),
  /** The role Scheduler assumes to invoke the send function. */
  SCHEDULER_ROLE_ARN: required(),
  /** Where Scheduler puts the timers it could not deliver. */
  TIMER_DLQ_ARN: required(),
});

/**
 * Partner push, where the deployment has one (`partnerPush` in the settings): the secret push
 * messages are signed with (the send function) and partner receipts are checked with (the API).
 */
export const PartnerPushEnvironment = z.object({
  /** The signing secret shared with the partner. */
  PARTNER_PUSH_SECRET_ARN: optional(),
});

/**
 * What the send-touch function reads to reach people: SMS, e-mail and the retention-task topic.
 * A deployment without a sender address sends no e-mail: it sets neither `SES_FROM_ADDRESS` nor
 * `SES_CONFIGURATION_SET`; one set without the other is a mistake, named.
 */
export const SendChannelsEnvironment = z
  .object({
    /** Base of the RFC 8058 one-click unsubscribe link in every e-mail (the API's `/v1/unsubscribe`). */
    UNSUBSCRIBE_BASE_URL: required(),
    /**
     * Where the tracked links in messages point (`<url>/r/<token>`): the public API, or the
     * operator's short domain. Absent: a text's `{link}` is the offer's own URL, untracked, or dropped.
     */
    LINK_BASE_URL: optional(),
    /** The verified SES identity e-mails are sent from; absent when the deployment sends no e-mail. */
    SES_FROM_ADDRESS: optional(),
    /** The SES configuration set whose events flow back to the engagement function; absent with `SES_FROM_ADDRESS`. */
    SES_CONFIGURATION_SET: optional(),
    /** The End User Messaging SMS configuration set every text is sent with. */
    SMS_CONFIGURATION_SET: required(),
    /** @default 'PROMOTIONAL' */
    SMS_MESSAGE_TYPE: z
      .enum(['PROMOTIONAL', 'TRANSACTIONAL'], { error: 'must be "PROMOTIONAL" or "TRANSACTIONAL"' })
      .default('PROMOTIONAL'),
    /** The origination number or identity, where the destination country requires one; the service picks one without it. */
    SMS_ORIGINATION_IDENTITY: optional(),
    /** The SNS topic retention tasks are published to. */
    RETENTION_TASK_TOPIC_ARN: required(),
    /** The End User Messaging Social phone number id WhatsApp messages are sent from; absent: no WhatsApp. */
    WHATSAPP_PHONE_NUMBER_ID: optional(),
    /** The partner's HTTPS endpoint push messages are POSTed to (with `PARTNER_PUSH_SECRET_ARN`); absent: no push. */
    PARTNER_PUSH_URL: optional(),
  })
  // Checked even when another variable is malformed, so one message names every variable at fault.
  .superRefine(
    (environment, context) => {
      const [from, set] = [environment.SES_FROM_ADDRESS, environment.SES_CONFIGURATION_SET];
      if (set && !from) context.addIssue({ code: 'custom', path: ['SES_FROM_ADDRESS'], message: 'is missing' });
      if (from && !set) context.addIssue({ code: 'custom', path: ['SES_CONFIGURATION_SET'], message: 'is missing' });
    },
    { when: () => true },
  );

/** What the nightly job reads: the lake, the KPI settings and, with Athena, where the KPI SQL runs. */
export const NightlyEnvironment = z
  .object({
    /** The lake bucket the Parquet partitions are written to. */
    LAKE_BUCKET: required(),
    /** @default NIGHTLY_DEFAULTS.costPerAcquisition */
    COST_PER_ACQUISITION: numeric(CostPerAcquisition).default(NIGHTLY_DEFAULTS.costPerAcquisition),
    /** @default NIGHTLY_DEFAULTS.scanSegments */
    SCAN_SEGMENTS: numeric(ScanSegments).default(NIGHTLY_DEFAULTS.scanSegments),
    /** @default NIGHTLY_DEFAULTS.kpiEngine */
    KPI_ENGINE: KpiEngineName.default(NIGHTLY_DEFAULTS.kpiEngine),
    /** The Athena workgroup the KPI SQL runs in (required with `KPI_ENGINE=athena`). */
    ATHENA_WORKGROUP: optional(),
    /** The Glue database of the lake tables (required with `KPI_ENGINE=athena`). */
    ATHENA_DATABASE: optional(),
  })
  .superRefine((environment, context) => {
    if (environment.KPI_ENGINE !== 'athena') return;
    for (const name of ['ATHENA_WORKGROUP', 'ATHENA_DATABASE'] as const) {
      if (!environment[name]) context.addIssue({ code: 'custom', path: [name], message: 'is missing (KPI_ENGINE is athena)' });
    }
  });

/**
 * Set on every function by `WinbackFunction` and read by Node.js and Powertools, not by
 * Winback's code: named here so the CDK sets them through the same helper and the infra test
 * knows every variable a function has.
 */
export const RuntimeEnvironment = z.object({
  NODE_OPTIONS: optional(),
  POWERTOOLS_SERVICE_NAME: required(),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']).optional(),
});

/** Every group of variables, by name. */
export const ENVIRONMENT_GROUPS = {
  runtime: RuntimeEnvironment,
  engine: EngineEnvironment,
  sendChannels: SendChannelsEnvironment,
  partnerPush: PartnerPushEnvironment,
  nightly: NightlyEnvironment,
} as const;
export type EnvironmentGroup = keyof typeof ENVIRONMENT_GROUPS;
type GroupSchema<G extends EnvironmentGroup> = (typeof ENVIRONMENT_GROUPS)[G];

/** The groups each Lambda's handler reads at cold start (`runtime` is every function's too). */
export const LAMBDA_ENVIRONMENTS = {
  api: ['engine', 'partnerPush'],
  engagement: ['engine'],
  'send-touch': ['engine', 'sendChannels', 'partnerPush'],
  nightly: ['engine', 'nightly'],
} as const satisfies Record<string, readonly EnvironmentGroup[]>;
export type LambdaName = keyof typeof LAMBDA_ENVIRONMENTS;

/**
 * Groups of a feature a deployment may go without: with none of their variables set, the
 * function reads the group as undefined (the feature is off).
 */
const FEATURE_GROUPS: ReadonlySet<EnvironmentGroup> = new Set(['partnerPush']);
type FeatureGroup = 'partnerPush';

/** A group's settings as its function reads them (numbers as numbers, defaults applied). */
export type EnvironmentConfig<G extends EnvironmentGroup> = z.output<GroupSchema<G>>;
/** What a Lambda's handler gets from {@link readLambdaEnvironment}: one config per group it reads. */
export type LambdaEnvironment<L extends LambdaName> = {
  [G in (typeof LAMBDA_ENVIRONMENTS)[L][number]]: G extends FeatureGroup ? EnvironmentConfig<G> | undefined : EnvironmentConfig<G>;
};

/**
 * What the CDK gives for a group: a value for every variable the function requires (a CDK token
 * is fine), optional ones (those with a default) optional; each as the function reads it.
 */
export type EnvironmentValues<G extends EnvironmentGroup> = {
  [K in keyof z.input<GroupSchema<G>>]: K extends keyof EnvironmentConfig<G>
    ? EnvironmentConfig<G>[K] | (undefined extends z.input<GroupSchema<G>>[K] ? undefined : never)
    : never;
};

/** The variable names of a group. */
export function variablesOf(group: EnvironmentGroup): string[] {
  return Object.keys(ENVIRONMENT_GROUPS[group].shape);
}

/**
 * A group's values as environment variables: every value as text, absent ones left out. A name
 * outside the group throws (the types already refuse one written in place).
 */
export function environmentVariables<G extends EnvironmentGroup>(group: G, values: EnvironmentValues<G>): Record<string, string> {
  const names = variablesOf(group);
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
    if (!names.includes(name)) throw new Error(`${name} is not a variable of the ${group} environment (${names.join(', ')})`);
    if (value !== undefined) variables[name] = String(value);
  }
  return variables;
}

/** A Lambda's environment is missing variables or holds malformed ones; `variables` names them. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
  constructor(
    readonly lambda: LambdaName,
    readonly variables: readonly string[],
    problems: readonly string[],
  ) {
    super(`Invalid environment of the ${lambda} function: ${problems.join('; ')}`);
  }
}

/**
 * Parses the groups `lambda` reads (`LAMBDA_ENVIRONMENTS`) from `env`, once, at cold start. An
 * empty value counts as absent; a feature's group with nothing set is left out. Throws one {@link EnvironmentError} naming every variable at
 * fault, in every group, before the function does anything else.
 */
export function readLambdaEnvironment<L extends LambdaName>(lambda: L, env: NodeJS.ProcessEnv = process.env): LambdaEnvironment<L> {
  const config: Record<string, unknown> = {};
  const variables: string[] = [];
  const problems: string[] = [];
  for (const group of LAMBDA_ENVIRONMENTS[lambda]) {
    const input = Object.fromEntries(variablesOf(group).map((name) => [name, env[name] === '' ? undefined : env[name]]));
    if (FEATURE_GROUPS.has(group) && Object.values(input).every((value) => value === undefined)) continue;
    const result = ENVIRONMENT_GROUPS[group].safeParse(input);
    if (result.success) {
      config[group] = result.data;
      continue;
    }
    // In the order the group names its variables, whichever rule found the problem.
    const order = variablesOf(group);
    const issues = [...result.error.issues].sort((a, b) => order.indexOf(String(a.path[0])) - order.indexOf(String(b.path[0])));
    for (const issue of issues) {
      const name = String(issue.path[0]);
      variables.push(name);
      problems.push(`${name} ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new EnvironmentError(lambda, variables, problems);
  return config as LambdaEnvironment<L>;
}
