import { mulberry32 } from '../seeded-random.ts';
import type { Answer } from './ledger.ts';

/**
 * The events a load run posts. Most are new `customer.churned` events, one new customer each,
 * with varied churn kinds, exit reasons, consents, values and time zones (so the engine plans,
 * excludes, escalates and holds out as it would in production). Some are the other event
 * types for a customer whose churn was already answered `accepted`: posting them earlier could
 * race the churn, and feedback for an unknown customer is ignored by design, which would read
 * as a lost event. Some are deliberate replays: the exact body of an event already answered.
 */

/** One event ready to post: its body is kept as JSON so a replay sends the very same bytes. */
export interface LoadEvent {
  eventId: string;
  customerId: string;
  type: string;
  json: string;
}

export interface WorkloadOptions {
  /** Prefix of every id, so two runs never share one. */
  runTag: string;
  seed: number;
  /** Share of posted events that are replays of events already answered. */
  replayShare: number;
  /** Share of posted events that follow up a customer already churned (return, consent, engagement, survey). */
  followUpShare: number;
  /** The runner's virtual clock at start; churns happened up to two weeks before it. */
  startTimeMs: number;
}

const ZONES = ['Europe/Madrid', 'Europe/London', 'America/New_York', 'America/Sao_Paulo', 'Asia/Kolkata', 'Australia/Sydney'] as const;
const EXIT_REASONS = ['coverage', 'price', 'support', 'tariff_complexity', 'moved', 'other', 'unknown'] as const;
const ENGAGEMENTS = ['delivered', 'opened', 'clicked'] as const;
/** Replays are drawn from a bounded random sample of answered events, so memory stays flat however long the run. */
const REPLAY_POOL_SIZE = 5_000;
/** Follow-ups per customer, so none grows a long history (the record keeps a bounded log). */
const MAX_FOLLOW_UPS = 4;
const DAY_MS = 86_400_000;

export class Workload {
  private readonly random: () => number;
  private readonly replayPool: LoadEvent[] = [];
  /** Customers whose churn was answered `accepted`, with the follow-ups they have had. */
  private readonly churned: Array<{ customerId: string; followUps: number }> = [];
  private nextId = 0;

  constructor(private readonly options: WorkloadOptions) {
    this.random = mulberry32(options.seed);
  }

  /** The next event to post: a replay, a follow-up or a new churn, by the configured shares. */
  next(): LoadEvent {
    const draw = this.random();
    if (draw < this.options.replayShare && this.replayPool.length > 0) return this.pick(this.replayPool);
    if (draw < this.options.replayShare + this.options.followUpShare && this.churned.length > 0) return this.followUp();
    return this.churn();
  }

  /** Tells the workload how the API answered an event, so replays and follow-ups build on answered ones only. */
  answered(event: LoadEvent, answer: Answer): void {
    if (answer !== 'accepted' && answer !== 'duplicate') return;
    if (this.replayPool.length < REPLAY_POOL_SIZE) this.replayPool.push(event);
    else this.replayPool[Math.floor(this.random() * REPLAY_POOL_SIZE)] = event;
    // Only the first acceptance: a replay answered `duplicate` must not enrol the customer twice.
    if (event.type === 'customer.churned' && answer === 'accepted') this.churned.push({ customerId: event.customerId, followUps: 0 });
  }

  private churn(): LoadEvent {
    const n = this.nextId++;
    const customerId = `${this.options.runTag}-c${n}`;
    const kind = this.random() < 0.7 ? 'port_out' : this.pick(['cancellation', 'lapse']);
    return this.event(customerId, {
      type: 'customer.churned',
      occurredAt: this.pastInstant(),
      churnKind: kind,
      exitReason: this.pick(EXIT_REASONS),
      contacts: {
        phone: `+3460${String(n % 10_000_000).padStart(7, '0')}`,
        ...(this.random() < 0.6 ? { email: `${customerId}@example.com` } : {}),
      },
      consents: { sms: this.random() < 0.85, email: this.random() < 0.5, push: false },
      timezone: this.pick(ZONES),
      locale: 'en',
      monthlyRevenue: Math.round(10 + this.random() * 110),
      tenureMonths: Math.floor(1 + this.random() * 120),
      priorChurns: this.random() < 0.1 ? 2 : 0,
      accountType: this.random() < 0.1 ? 'business' : 'consumer',
    });
  }

  private followUp(): LoadEvent {
    const index = Math.floor(this.random() * this.churned.length);
    const customer = this.churned[index]!;
    customer.followUps += 1;
    if (customer.followUps >= MAX_FOLLOW_UPS) {
      // Swap-remove, so drawing a customer stays O(1) however many there are.
      this.churned[index] = this.churned.at(-1)!;
      this.churned.pop();
    }
    const occurredAt = new Date(this.options.startTimeMs).toISOString();
    const fields = this.pick([
      () => ({ type: 'customer.returned', occurredAt, revenue: 30 }),
      () => ({ type: 'consent.changed', occurredAt, channel: 'email', granted: this.random() < 0.5 }),
      () => ({ type: 'message.engaged', occurredAt, touchId: `${customer.customerId}-t1`, kind: this.pick(ENGAGEMENTS) }),
      () => ({ type: 'survey.answered', occurredAt, score: Math.floor(this.random() * 11) }),
    ])();
    return this.event(customer.customerId, fields);
  }

  private event(customerId: string, fields: Record<string, unknown> & { type: string }): LoadEvent {
    const eventId = `${this.options.runTag}-e${this.nextId++}`;
    return { eventId, customerId, type: fields.type, json: JSON.stringify({ eventId, customerId, ...fields }) };
  }

  /** An instant in the two weeks before the start, so churns are recent but not all at once. */
  private pastInstant(): string {
    return new Date(this.options.startTimeMs - Math.floor(this.random() * 14 * DAY_MS)).toISOString();
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
}
