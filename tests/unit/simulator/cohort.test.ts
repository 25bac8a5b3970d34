import { describe, expect, it } from 'vitest';
import { parseCsvCohort, parseJsonlCohort } from '#shared/simulator/cohort';
import { groupByCustomer } from '#shared/simulator/simulate';
import { cohortCsv, generateCohort } from '../../../scripts/cohort.ts';

const churn = (customerId: string, occurredAt: string, eventId = `churn-${customerId}`) => ({
  eventId,
  type: 'customer.churned',
  occurredAt,
  customerId,
  churnKind: 'port_out',
  exitReason: 'price',
  contacts: { phone: '+12025550101' },
  consents: { sms: true },
  timezone: 'America/New_York',
  monthlyRevenue: 30,
  tenureMonths: 12,
});

describe('a JSONL cohort', () => {
  it('reads the API’s events, leaves out invalid lines and names each problem by line and field', () => {
    const text = [
      JSON.stringify(churn('a', '2026-03-02T10:00:00Z')),
      '',
      '{"eventId": "x", "type": "customer.churned"',
      JSON.stringify({ ...churn('b', '2026-03-02T10:00:00Z'), timezone: 'Mars/Olympus', contacts: { phone: '555' } }),
      JSON.stringify({ eventId: 'r', type: 'customer.returned', occurredAt: '2026-04-20T10:00:00Z', customerId: 'a' }),
    ].join('\n');
    const cohort = parseJsonlCohort(text);
    expect(cohort.events.map((e) => e.type)).toEqual(['customer.churned', 'customer.returned']);
    expect(cohort.rejected).toBe(2);
    expect(cohort.problems.map((p) => `${p.line} ${p.field}`)).toEqual(['3 (line)', '4 contacts.phone', '4 timezone']);
  });
});

describe('a CSV cohort', () => {
  it('maps each row onto a churn event, and `returnedAt` onto a return', () => {
    const text = [
      'customerId,churnedAt,exitReason,phone,email,smsConsent,emailConsent,timezone,monthlyRevenue,tenureMonths,returnedAt,mnpDonor',
      'a,2026-03-02T10:00:00Z,coverage,+12025550101,,yes,,America/New_York,30,12,2026-04-20T10:00:00Z,X',
      'b,2026-03-03T10:00:00+01:00,,,"b@example.com",0,TRUE,Europe/Paris,12.5,3,,Y',
    ].join('\n');
    const cohort = parseCsvCohort(text);
    expect(cohort.problems).toEqual([]);
    expect(cohort.ignoredColumns).toEqual(['mnpDonor']);
    expect(cohort.events).toEqual([
      expect.objectContaining({
        eventId: 'churn:a:2026-03-02T10:00:00Z',
        type: 'customer.churned',
        churnKind: 'port_out',
        exitReason: 'coverage',
        contacts: { phone: '+12025550101' },
        consents: { sms: true, email: false, push: false, whatsapp: false },
        monthlyRevenue: 30,
      }),
      { eventId: 'return:a:2026-04-20T10:00:00Z', type: 'customer.returned', occurredAt: '2026-04-20T10:00:00Z', customerId: 'a' },
      expect.objectContaining({
        customerId: 'b',
        exitReason: 'unknown',
        contacts: { email: 'b@example.com' },
        consents: { sms: false, email: true, push: false, whatsapp: false },
      }),
    ]);
  });

  it('names a bad cell by line and column', () => {
    const text = [
      'customerId,churnedAt,phone,smsConsent,timezone,monthlyRevenue,tenureMonths,returnedAt',
      'a,yesterday,+12025550101,maybe,America/New_York,lots,12,',
      'b,2026-03-02T10:00:00Z,+12025550101,1,America/New_York,30,12,soon',
    ].join('\n');
    const cohort = parseCsvCohort(text);
    expect(cohort.rejected).toBe(2);
    expect(cohort.problems.map((p) => `${p.line} ${p.field}`)).toEqual(['2 smsConsent', '2 monthlyRevenue', '3 returnedAt']);
    const dates = parseCsvCohort(text.replace('lots', '30').replace('maybe', '1'));
    expect(dates.problems.map((p) => `${p.line} ${p.field}`)).toEqual(['2 churnedAt', '3 returnedAt']);
  });

  it('reads the generator’s CSV as the same cohort as its JSONL', () => {
    const events = generateCohort({ customers: 50, returnShare: 0.3, seed: 3 });
    const fromCsv = parseCsvCohort(cohortCsv(events));
    const fromJsonl = parseJsonlCohort(events.map((e) => JSON.stringify(e)).join('\n'));
    expect(fromCsv.rejected).toBe(0);
    const decisionFields = (e: any) => [
      e.type,
      e.customerId,
      e.occurredAt,
      e.exitReason,
      e.monthlyRevenue,
      e.tenureMonths,
      JSON.stringify(e.consents),
    ];
    const sort = (list: unknown[][]) => list.map((x) => JSON.stringify(x)).sort();
    expect(sort(fromCsv.events.map(decisionFields))).toEqual(sort(fromJsonl.events.map(decisionFields)));
  });
});

describe('groupByCustomer', () => {
  it('orders each customer’s events by time, customers by their first event, and drops a replayed event id', () => {
    const a1 = parseJsonlCohort(JSON.stringify(churn('a', '2026-03-05T10:00:00Z'))).events[0]!;
    const b1 = parseJsonlCohort(JSON.stringify(churn('b', '2026-03-02T10:00:00Z'))).events[0]!;
    const a0 = parseJsonlCohort(JSON.stringify(churn('a', '2026-03-01T10:00:00Z', 'early'))).events[0]!;
    const { customers, duplicates } = groupByCustomer([a1, b1, a0, b1]);
    expect(duplicates).toBe(1);
    expect(customers.map((c) => [c.customerId, c.events.map((e) => e.eventId)])).toEqual([
      ['a', ['early', 'churn-a']],
      ['b', ['churn-b']],
    ]);
  });
});
