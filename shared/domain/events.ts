import * as z from 'zod';
import { CHANNEL_TABLE, CHANNELS, Channel, type ContactField, perChannelSchema } from './channels.ts';
import { isKnownZone } from './time-zone.ts';
import { ChurnKind, EngagementKind, ExitReason, Market, TaskOutcomeKind } from './vocabulary.ts';
import type { FieldIssue } from './errors.ts';

/**
 * The v1 event contract (DESIGN.md, "Public API"). One schema per event type; the API, the
 * local runner and the tests all validate with these, and the inferred types are the DTOs.
 */

/** Identifiers become key values, schedule payloads and log fields: printable, bounded. */
export const Identifier = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}\p{Cs}]+$/u, 'must not contain control characters');

/** With the `u` flag a surrogate pair is one code point (not `Cs`): only a lone half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Free text: JSON lets a lone surrogate (`"\ud800"`) through, but it is no text, and UTF-8
 * (DynamoDB, SES, SMS) cannot carry it. Fields with a format (ids, dates, enums, e-mail, phone)
 * refuse it already.
 */
const Text = z.string().refine((text) => !LONE_SURROGATE.test(text), 'must be well-formed Unicode: holds a lone surrogate');

const Timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T09:30:00+01:00' });

/**
 * Numbers that reach the customer item must be storable: DynamoDB refuses a non-zero magnitude
 * below 1e-130 ("Number underflow"), and the SDK's marshaller one beyond 2^53 - 1. Either was a 500.
 */
const notUnderflowing = (n: number) => n === 0 || Math.abs(n) >= 1e-130;
const UNDERFLOW = 'must be 0 or at least 1e-130 in magnitude';

const Money = z.number().finite().nonnegative().max(1e9).refine(notUnderflowing, UNDERFLOW);

const AttributeNumber = z.number().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).refine(notUnderflowing, UNDERFLOW);

const TimeZone = z.string().refine(isKnownZone, 'must be an IANA time zone, e.g. Europe/Paris');

/** Attributes live in the customer item, which DynamoDB caps at 400 KB: at most ~160 KB of them. */
export const MAX_ATTRIBUTES = 50;

/**
 * DynamoDB refuses an empty map key, and its marshaller a map with a `constructor` key (it takes
 * it for a class instance): both were 500s.
 */
const AttributeName = Text.min(1)
  .max(64)
  .refine((name) => name !== 'constructor', 'constructor is a reserved name');

/**
 * Checked before the entries: a body of 100,000 bad attributes would otherwise cost seconds and
 * an answer of megabytes. zod also drops a `__proto__` key without a word (it would set the
 * prototype): say so instead.
 */
const Attributes = z.preprocess(
  (input, ctx) => {
    if (typeof input !== 'object' || input === null) return input;
    if (Object.keys(input).length > MAX_ATTRIBUTES)
      ctx.issues.push({ code: 'custom', input, message: `must hold at most ${MAX_ATTRIBUTES} attributes` });
    else if (Object.hasOwn(input, '__proto__'))
      ctx.issues.push({ code: 'custom', input, path: ['__proto__'], message: '__proto__ is a reserved name' });
    return input;
  },
  z.record(AttributeName, z.union([Text.max(1024), AttributeNumber, z.boolean()])),
);

const envelope = {
  eventId: Identifier,
  occurredAt: Timestamp,
  customerId: Identifier,
};

/** How each contact format of the channel table is validated. */
const CONTACT_FORMATS = { e164: z.e164(), email: z.email().max(254), token: Text.min(1).max(1024) } as const;

const Contacts = z.object({
  ...(Object.fromEntries(
    CHANNELS.map((channel) => [CHANNEL_TABLE[channel].contact, CONTACT_FORMATS[CHANNEL_TABLE[channel].contactFormat].optional()]),
  ) as Record<ContactField, z.ZodOptional<z.ZodString>>),
  /** The customer's name, for a retention team's task; personal data, never logged. */
  name: Text.min(1).max(200).optional(),
});
const Locale = Text.min(2).max(35);
const TenureMonths = z.number().int().nonnegative().max(1200);
const PriorChurns = z.number().int().nonnegative().max(1000);
const AccountType = Text.min(1).max(64);

/** Fields of the customer's profile that a churn and activity both may carry, none required. */
const optionalProfileFields = {
  /** ISO 3166 market (`US`, `US-FL`) whose legal send window applies, when the policy has one. */
  market: Market.optional(),
  /** The operator's brand the customer was with; selects the policy when policies name brands. */
  brand: Text.min(1).max(64).optional(),
  /** The operator's account number and the company's name, for a retention team's task. */
  accountNumber: Text.min(1).max(64).optional(),
  company: Text.min(1).max(200).optional(),
  attributes: Attributes.optional(),
};

export const CustomerChurned = z.object({
  ...envelope,
  type: z.literal('customer.churned'),
  churnKind: ChurnKind,
  exitReason: ExitReason.default('unknown'),
  contacts: Contacts,
  consents: perChannelSchema(z.boolean().default(false)),
  timezone: TimeZone,
  locale: Locale.default('en'),
  monthlyRevenue: Money,
  tenureMonths: TenureMonths,
  priorChurns: PriorChurns.default(0),
  accountType: AccountType.default('consumer'),
  ...optionalProfileFields,
});

export const CustomerReturned = z.object({
  ...envelope,
  type: z.literal('customer.returned'),
  revenue: Money.optional(),
});

export const ConsentChanged = z.object({
  ...envelope,
  type: z.literal('consent.changed'),
  channel: Channel,
  granted: z.boolean(),
});

export const MessageEngaged = z.object({
  ...envelope,
  type: z.literal('message.engaged'),
  touchId: Identifier,
  kind: EngagementKind,
  /** The reply's text, for `replied`: an opt-out keyword or a plain-language "stop" revokes consent. Never stored. */
  text: Text.max(1600).optional(),
});

export const SurveyAnswered = z.object({
  ...envelope,
  type: z.literal('survey.answered'),
  score: z.number().int().min(0).max(10),
});

/**
 * The customer was active (a purchase, a login, a top-up). Each one resets the customer's lapse
 * timer: with no activity for the lapse policy's `afterDays`, the customer churns with kind
 * `lapse`; activity after such a churn is their return. Profile fields, all optional, update
 * what the engine knows, so the lapse churn can be planned without an upstream churn event.
 */
export const CustomerActive = z.object({
  ...envelope,
  type: z.literal('customer.active'),
  contacts: Contacts.optional(),
  /** Only the channels named change. */
  consents: perChannelSchema(z.boolean().optional()).optional(),
  timezone: TimeZone.optional(),
  locale: Locale.optional(),
  monthlyRevenue: Money.optional(),
  tenureMonths: TenureMonths.optional(),
  priorChurns: PriorChurns.optional(),
  accountType: AccountType.optional(),
  ...optionalProfileFields,
});

/**
 * What a retention team did with a task: the customer stays or came back (`retained`), went for
 * good (`ported_away`), or asked to be called again (`follow_up`, at `followUpAt`). `reason` is
 * the reason for leaving the team heard, counted in the KPIs.
 */
export const TaskOutcome = z
  .object({
    ...envelope,
    type: z.literal('task.outcome'),
    taskId: Identifier,
    outcome: TaskOutcomeKind,
    followUpAt: Timestamp.optional(),
    reason: ExitReason.optional(),
  })
  .superRefine((event, ctx) => {
    if (event.outcome === 'follow_up' && event.followUpAt === undefined)
      ctx.addIssue({ code: 'custom', path: ['followUpAt'], message: 'is required for a follow_up outcome' });
    if (event.outcome !== 'follow_up' && event.followUpAt !== undefined)
      ctx.addIssue({ code: 'custom', path: ['followUpAt'], message: 'is only for a follow_up outcome' });
  });

const Envelope = z.object(envelope);

export const WinbackEvent = z.discriminatedUnion('type', [
  CustomerChurned,
  CustomerReturned,
  ConsentChanged,
  MessageEngaged,
  SurveyAnswered,
  CustomerActive,
  TaskOutcome,
]);

export type CustomerChurned = z.infer<typeof CustomerChurned>;
export type CustomerReturned = z.infer<typeof CustomerReturned>;
export type ConsentChanged = z.infer<typeof ConsentChanged>;
export type MessageEngaged = z.infer<typeof MessageEngaged>;
export type SurveyAnswered = z.infer<typeof SurveyAnswered>;
export type CustomerActive = z.infer<typeof CustomerActive>;
export type TaskOutcome = z.infer<typeof TaskOutcome>;
export type WinbackEvent = z.infer<typeof WinbackEvent>;
export type EventType = WinbackEvent['type'];

export const MAX_BATCH_EVENTS = 500;

/** `["events", 2, "contacts", "phone"]` → `events[2].contacts.phone`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path) || '(body)',
    code: issue.code,
    // A record key's own issues say why it is refused; the wrapper only says "Invalid key".
    message: issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message,
  }));
}

export type EventParse = { ok: true; event: WinbackEvent } | { ok: false; issues: FieldIssue[] };

/** Validates one event; every invalid field is named, not only the first. */
export function parseEvent(input: unknown): EventParse {
  const result = WinbackEvent.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  const issues = toFieldIssues(result.error);
  // An unknown `type` stops the union at the discriminator; still name bad envelope fields.
  const envelopeResult = Envelope.safeParse(input);
  if (!envelopeResult.success) {
    const named = new Set(issues.map((issue) => issue.path));
    issues.push(...toFieldIssues(envelopeResult.error).filter((issue) => !named.has(issue.path)));
  }
  return { ok: false, issues };
}
