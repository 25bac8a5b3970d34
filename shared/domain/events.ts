import { IANAZone } from 'luxon';
import * as z from 'zod';
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

const Timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T09:30:00+01:00' });

const Money = z.number().finite().nonnegative().max(1e9);

const TimeZone = z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone, e.g. Europe/Paris');

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
    pushToken: z.string().min(1).max(1024).optional(),
  }),
  consents: z.object({
    sms: z.boolean().default(false),
    email: z.boolean().default(false),
    push: z.boolean().default(false),
  }),
  timezone: TimeZone,
  locale: z.string().min(2).max(35).default('en'),
  monthlyRevenue: Money,
  tenureMonths: z.number().int().nonnegative().max(1200),
  priorChurns: z.number().int().nonnegative().max(1000).default(0),
  accountType: z.string().min(1).max(64).default('consumer'),
  /** ISO 3166 market (`US`, `US-FL`) whose legal send window applies, when the policy has one. */
  market: z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, 'must be an ISO 3166 code such as US or US-FL').optional(),
  attributes: z.record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean()])).optional(),
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
  text: z.string().max(1600).optional(),
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
    message: issue.message,
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
