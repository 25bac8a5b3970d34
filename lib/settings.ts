import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parsePolicy, type Policy } from '#shared/domain/policy';
import { toFieldIssues } from '#shared/domain/events';
import { DomainError } from '#shared/domain/errors';

/** Empty strings in cdk.json mean "not set", so operators can keep every key visible. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

/** Operator settings for a deployment: `context.winback` in cdk.json, or a JSON file named by `-c winbackConfig=path`. */
export const SettingsSchema = z.object({
  /** Verified SES identity (address or domain) that e-mails are sent from. */
  sesFromAddress: z.email(),
  /** The SES identity to authorize: the from-address's domain unless set. */
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
  /** Where alarms are e-mailed; alarms still exist (on the alarm topic) without it. */
  alarmEmail: optional(z.email()),
  /** A JSON policy file replacing the embedded telecom port-out policy. */
  policyFile: optional(z.string().min(1)),
  /** Nightly job time, a cron in UTC (minute hour day-of-month month day-of-week year). */
  nightlyCron: z.string().default('cron(30 2 * * ? *)'),
});

export type Settings = z.output<typeof SettingsSchema> & { policies: Policy[] };

export class SettingsError extends Error {}

/** Reads and validates settings; a problem names every key at fault and where it was read from. */
export function readSettings(context: { tryGetContext(key: string): unknown }): Settings {
  const file = context.tryGetContext('winbackConfig');
  const source = typeof file === 'string' ? `file ${file}` : 'cdk.json context "winback"';
  const raw = typeof file === 'string' ? JSON.parse(readFileSync(file, 'utf8')) : context.tryGetContext('winback');
  if (raw === undefined) throw new SettingsError(`Winback settings missing: add a "winback" object to the context in cdk.json, or pass -c winbackConfig=<file.json>`);
  const result = SettingsSchema.safeParse(raw);
  if (!result.success) {
    throw new SettingsError(`Invalid Winback settings (${source}):\n${toFieldIssues(result.error).map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  }
  let policies: Policy[] = [];
  if (result.data.policyFile) {
    try {
      policies = [parsePolicy(JSON.parse(readFileSync(result.data.policyFile, 'utf8')))];
    } catch (error) {
      const details = error instanceof DomainError ? error.details.map((d) => `\n  ${d.path}: ${d.message}`).join('') : ` ${String(error)}`;
      throw new SettingsError(`Invalid policy file ${result.data.policyFile}:${details}`);
    }
  }
  return { ...result.data, policies };
}
