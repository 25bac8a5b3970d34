import { randomUUID } from 'node:crypto';
import { applyEvent } from '#shared/domain/journey/apply-event';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import { CustomerChurned } from '#shared/domain/events';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import type { EventReceipt } from '#shared/ports/customer-store';

/**
 * Customer records as the engine stores them, for tests of a `CustomerStore` (the contract suite
 * and each adapter's own tests): real records planned by the embedded policies, not hand-made ones.
 */

/** The instant every record here is planned at. */
export const STORE_NOW_MS = Date.parse('2026-03-01T10:00:00.000Z');
export const STORE_PHONE = '+33612345678';
export const STORE_EMAIL = 'jane.doe@example.com';

const policies = deploymentPolicies([]);

/** A unique id with a readable prefix, so tests sharing a store never meet each other's items. */
export const newId = (prefix: string) => `${prefix}-${randomUUID()}`;

/** A receipt of a churn received at {@link STORE_NOW_MS}. */
export const receiptFor = (eventId: string): EventReceipt => ({
  eventId,
  type: 'customer.churned',
  receivedAt: new Date(STORE_NOW_MS).toISOString(),
});

/** A customer who just ported out: a profile with contacts (`phone` if given), one active journey with its touches. */
export function churnedRecord(customerId: string, phone = STORE_PHONE): CustomerRecord {
  const event = CustomerChurned.parse({
    eventId: newId('churn'),
    type: 'customer.churned',
    occurredAt: '2026-03-01T09:30:00+01:00',
    customerId,
    churnKind: 'port_out',
    exitReason: 'coverage',
    contacts: { phone, email: STORE_EMAIL },
    consents: { sms: true, email: true },
    timezone: 'Europe/Paris',
    monthlyRevenue: 30,
    tenureMonths: 24,
  });
  return applyEvent(emptyRecord(customerId), event, STORE_NOW_MS, policies).record;
}

/**
 * A high-value account (monthly revenue 150 over 40 months) churned `daysAgo` days before
 * {@link STORE_NOW_MS}: escalated to the `partner` or `business` team by the embedded policy,
 * with a retention task due 30 days after the churn.
 */
export function escalatedRecord(customerId: string, accountType: 'partner' | 'business', daysAgo: number): CustomerRecord {
  const churn = CustomerChurned.parse({
    eventId: `churn-${customerId}`,
    type: 'customer.churned',
    occurredAt: new Date(STORE_NOW_MS - daysAgo * 86_400_000).toISOString(),
    customerId,
    churnKind: 'port_out',
    contacts: { phone: '+447700900111', name: 'Sam Carter' },
    consents: { sms: true },
    timezone: 'Europe/London',
    monthlyRevenue: 150,
    tenureMonths: 40,
    accountType,
  });
  return applyEvent(emptyRecord(customerId), churn, STORE_NOW_MS, policies).record;
}

/** Re-applies an event to a stored record, as the engine does, with the embedded policies. */
export const applyWithPolicies = (record: CustomerRecord, event: Parameters<typeof applyEvent>[1]) =>
  applyEvent(record, event, STORE_NOW_MS, policies).record;
