import { describe, expect, it } from 'vitest';
import { applyEvent } from '#shared/domain/journey/apply-event';
import { type CustomerRecord, emptyRecord } from '#shared/domain/journey/record';
import { copyRecord } from '#shared/domain/journey/record-copy';
import { applySendOutcome, type SendOutcome } from '#shared/domain/journey/send-outcome';
import { DAY_MS } from '#shared/domain/vocabulary';
import { churnEvent } from '../../fixtures/events.ts';
import { defaultPolicies } from '../../support/fakes.ts';

const T0 = Date.parse('2026-01-05T10:00:00.000Z');
/** A deep copy frozen all through, as the simulator's store hands records out. */
const frozen = (record: CustomerRecord): CustomerRecord =>
  JSON.parse(JSON.stringify(record), (_key, value) => (value && typeof value === 'object' ? Object.freeze(value) : value));

/** Two journeys (the first returned, the second planned), each with touches; a high-value one has a task and its notice. */
function records() {
  const policies = defaultPolicies();
  const first = applyEvent(emptyRecord('c-1'), churnEvent({ customerId: 'c-1', eventId: 'churn-1' }), T0, policies).record;
  first.journeys[0]!.status = 'returned';
  const planned = applyEvent(first, churnEvent({ customerId: 'c-1', eventId: 'churn-2' }), T0 + DAY_MS, policies).record;
  const escalated = applyEvent(
    emptyRecord('c-2'),
    churnEvent({ customerId: 'c-2', accountType: 'partner', monthlyRevenue: 120, tenureMonths: 60 }),
    T0,
    policies,
  ).record;
  return { planned, escalated };
}

const OUTCOMES: SendOutcome[] = [
  { kind: 'claimed', channel: 'email', leaseUntilMs: T0 + 31 * DAY_MS, cost: 0.01 },
  { kind: 'withheld', channel: 'sms' },
  { kind: 'deferred', dueAtMs: T0 + 32 * DAY_MS, reason: 'outside_send_window' },
  { kind: 'skipped', reason: 'no_consent' },
];
const AFTER_CLAIM: SendOutcome[] = [
  { kind: 'sent', channel: 'email', messageId: 'm-1', cost: 0.01 },
  { kind: 'lease_expired', found: { messageId: 'm-1', cost: 0.01 } },
  { kind: 'lease_expired' },
  { kind: 'released', error: 'throttled' },
  { kind: 'failed', error: 'rejected' },
];

describe('applySendOutcome on a record it must not change', () => {
  it('changes only its copy, and gives what it gives on a private deep copy, for every outcome', () => {
    const { planned, escalated } = records();
    // A task waiting for a follow-up: its notice, once sent, opens it again.
    escalated.journeys[0]!.task!.status = 'follow_up';
    const applied = new Set<string>();
    for (const record of [planned, escalated]) {
      for (const touch of record.journeys.flatMap((journey) => journey.touches)) {
        const nowMs = T0 + 31 * DAY_MS;
        const claimed = applySendOutcome(record, touch.touchId, OUTCOMES[0]!, nowMs).record;
        const cases = [
          ...OUTCOMES.map((outcome) => [record, outcome] as const),
          ...AFTER_CLAIM.map((outcome) => [claimed, outcome] as const),
        ];
        for (const [before, outcome] of cases) {
          const read = frozen(before);
          const later = outcome.kind === 'lease_expired' ? nowMs + DAY_MS : nowMs;
          const change = applySendOutcome(read, touch.touchId, outcome, later);
          expect(read).toEqual(before);
          expect(change).toEqual(applySendOutcome(copyRecord(before), touch.touchId, outcome, later));
          const after = change.record.journeys.flatMap((journey) => journey.touches).find((t) => t.touchId === touch.touchId)!;
          if (change.record.history.length > before.history.length || after.status !== touch.status)
            applied.add(`${touch.kind}:${outcome.kind}`);
          if (touch.kind === 'task_notice' && outcome.kind === 'sent') expect(change.record.journeys[0]!.task!.status).toBe('open');
        }
      }
    }
    // Every outcome was applied to a message touch, and a sent one to a task notice.
    expect([...applied].sort()).toEqual(
      expect.arrayContaining([...OUTCOMES, ...AFTER_CLAIM].map((o) => `policy:${o.kind}`).concat('task_notice:sent')),
    );
  });
});
