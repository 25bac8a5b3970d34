import { IANAZone } from 'luxon';
import { z } from 'zod';
import { Channel, ChurnKind, EngagementKind, ExitReason } from './vocabulary.ts';
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

const TimeZone = z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone, e.g. Europe/Paris');

/** Attributes live in the customer item, which DynamoDB caps at 400 KB: at most ~160 KB of them. */
export const MAX_ATTRIBUTES = 50;

/**
 * DynamoDB refuses an empty map key, and its marshaller a map with a `constructor` key (it takes
 * it for a class instance): both were 500s.
 */
const AttributeName = Text.min(1).max(64).refine((name) => name !== 'constructor', 'constructor is a reserved name');

/**
 * Checked before the entries: a body of 100,000 bad attributes would otherwise cost seconds and
 * an answer of megabytes. zod also drops a `__proto__` key without a word (it would set the
 * prototype): say so instead.
 */
const Attributes = z.preprocess(
  (input, ctx) => {
    if (typeof input !== 'object' || input === null) return input;
    if (Object.keys(input).length > MAX_ATTRIBUTES) ctx.issues.push({ code: 'custom', input, message: `must hold at most ${MAX_ATTRIBUTES} attributes` });
    else if (Object.hasOwn(input, '__proto__')) ctx.issues.push({ code: 'custom', input, path: ['__proto__'], message: '__proto__ is a reserved name' });
    return input;
  },
  z.record(AttributeName, z.union([Text.max(1024), AttributeNumber, z.boolean()])),
);

const envelope = {
  eventId: Identifier,
  occurredAt: Timestamp,
  customerId: Identifier,
};

export const CustomerChurned = z.object({
  ...envelope,
  type: z.literal('customer.churned'),
  churnKind: ChurnKind,
  exitReason: ExitReason.default('unknown'),
  contacts: z.object({
    phone: z.e164().optional(),
    email: z.email().max(254).optional(),
    pushToken: Text.min(1).max(1024).optional(),
  }),
  consents: z.object({
    sms: z.boolean().default(false),
    email: z.boolean().default(false),
    push: z.boolean().default(false),
  }),
  timezone: TimeZone,
  locale: Text.min(2).max(35).default('en'),
  monthlyRevenue: Money,
  tenureMonths: z.number().int().nonnegative().max(1200),
  priorChurns: z.number().int().nonnegative().max(1000).default(0),
  accountType: Text.min(1).max(64).default('consumer'),
  /** ISO 3166 market (`US`, `US-FL`) whose legal send window applies, when the policy has one. */
  market: z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, 'must be an ISO 3166 code such as US or US-FL').optional(),
  attributes: Attributes.optional(),
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

const Envelope = z.object(envelope);

export const WinbackEvent = z.discriminatedUnion('type', [CustomerChurned, CustomerReturned, ConsentChanged, MessageEngaged, SurveyAnswered]);

export type CustomerChurned = z.infer<typeof CustomerChurned>;
export type CustomerReturned = z.infer<typeof CustomerReturned>;
export type ConsentChanged = z.infer<typeof ConsentChanged>;
export type MessageEngaged = z.infer<typeof MessageEngaged>;
export type SurveyAnswered = z.infer<typeof SurveyAnswered>;
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
