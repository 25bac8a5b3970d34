import { describe, expect, it } from 'vitest';
import { audienceRows, normalizeEmail, normalizePhone, sha256Hex } from '#shared/domain/audience';
import { applyEvent } from '#shared/domain/journey/apply-event';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import type { WinbackEvent } from '#shared/domain/events';
import { DAY_MS } from '#shared/domain/vocabulary';
import { churnEvent, consentEvent, returnedEvent } from '../../fixtures/events.ts';
import { customerIdIn, defaultPolicies } from '../../support/fakes.ts';

const policies = defaultPolicies();
/** The churn instant of the fixture, and day N of the journey. */
const T0 = Date.parse('2026-01-05T09:00:00Z');
const day = (n: number) => T0 + n * DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString();
const PHONE = '+447700900123';
const EMAIL = 'Jane.Doe+winback@GoogleMail.com';
const TREATED = customerIdIn('treatment', undefined, 'audience');
const CONTROL = customerIdIn('control', undefined, 'audience');

/** The record after applying each event at its own instant, as the engine would. */
function recordAfter(customerId: string, events: WinbackEvent[]): CustomerRecord {
  return events.reduce(
    (record, event) => applyEvent(record, event, Date.parse(event.occurredAt), policies).record,
    emptyRecord(customerId),
  );
}

const churn = (customerId: string, overrides: Parameters<typeof churnEvent>[0] = {}) =>
  churnEvent({ customerId, contacts: { phone: PHONE }, consents: { sms: true, email: false, push: false }, ...overrides });
const revoke = (customerId: string, channel: 'sms' | 'email' | 'push', atDay = 10) =>
  consentEvent({ customerId, eventId: `revoke-${channel}-${atDay}`, channel, granted: false, occurredAt: iso(day(atDay)) });
const grant = (customerId: string, channel: 'sms' | 'email' | 'push', atDay: number) =>
  consentEvent({ customerId, eventId: `grant-${channel}-${atDay}`, channel, granted: true, occurredAt: iso(day(atDay)) });

describe('normalizeEmail', () => {
  it.each([
    ['  jane.doe@example.com ', 'jane.doe@example.com'],
    ['Jane.Doe@Example.COM', 'jane.doe@example.com'],
    ['jane doe@example.com', 'janedoe@example.com'],
    ['\tjane.doe+news@example.com\n', 'jane.doe+news@example.com'],
    ['Jane.Doe@gmail.com', 'janedoe@gmail.com'],
    ['j.a.n.e.doe+winback+x@gmail.com', 'janedoe@gmail.com'],
    ['cloudy.sanfrancisco+shopping@googlemail.com', 'cloudysanfrancisco@googlemail.com'],
    [' JANE.DOE+Promo@GMAIL.COM ', 'janedoe@gmail.com'],
    ['jane.doe@gmail.com.example.net', 'jane.doe@gmail.com.example.net'],
    ['user.name+NYC@Example.com', 'user.name+nyc@example.com'],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });
});

describe('normalizePhone', () => {
  it.each([
    ['+447700900123', '+447700900123'],
    [' +44 7700 900123 ', '+447700900123'],
    ['+1 (800) 555-0100', '+18005550100'],
    ['+33.6.12.34.56.78', '+33612345678'],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each(['07700900123', '447700900123', '+0447700900123', '+4477009001234567', 'call me'])('refuses %j, which is not E.164', (input) => {
    expect(normalizePhone(input)).toBeUndefined();
  });
});

describe('sha256Hex', () => {
  it('gives the published SHA-256 of known normalized addresses, as lowercase hex', () => {
    // The value TikTok's customer-file guide shows for "janedoe@gmail.com", and that of "test@gmail.com".
    expect(sha256Hex('janedoe@gmail.com')).toBe('d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69');
    expect(sha256Hex(normalizeEmail(' Test@Gmail.com'))).toBe('87924606b4131a8aceeeae8868531fbb9712aaa07a5d3a756b26ce0f5d6ca674');
    expect(sha256Hex(PHONE)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('audienceRows: customers no consented channel reaches while their journey runs', () => {
  const now = day(20);

  it('leaves out a customer the engine can still text (consented SMS)', () => {
    // Prepare
    const record = recordAfter(TREATED, [churn(TREATED)]);

    // Act / Assess
    expect(record.journeys.at(-1)!.status).toBe('active');
    expect(audienceRows(record, now, policies)).toEqual([]);
  });

  it('takes a customer whose SMS consent was revoked and who has no e-mail: the hash of the phone only', () => {
    // Prepare
    const record = recordAfter(TREATED, [churn(TREATED), revoke(TREATED, 'sms')]);

    // Act
    const rows = audienceRows(record, now, policies);

    // Assess
    expect(rows).toEqual([{ hashed_phone: sha256Hex(PHONE) }]);
    expect(JSON.stringify(rows)).not.toContain(PHONE.slice(1));
  });

  it('hashes both contacts, normalized, when the e-mail is held without consent', () => {
    // Prepare
    const record = recordAfter(TREATED, [churn(TREATED, { contacts: { phone: PHONE, email: EMAIL } }), revoke(TREATED, 'sms')]);

    // Act
    const rows = audienceRows(record, now, policies);

    // Assess
    expect(rows).toEqual([{ hashed_email: sha256Hex('janedoe@googlemail.com'), hashed_phone: sha256Hex(PHONE) }]);
    expect(JSON.stringify(rows).toLowerCase()).not.toContain('jane');
  });

  it('leaves out a customer still reachable by e-mail after revoking SMS (the engine falls back to it)', () => {
    // Prepare
    const record = recordAfter(TREATED, [
      churn(TREATED, { contacts: { phone: PHONE, email: EMAIL }, consents: { sms: true, email: true, push: false } }),
      revoke(TREATED, 'sms'),
    ]);

    // Act / Assess
    expect(audienceRows(record, now, policies)).toEqual([]);
  });

  it('leaves a customer out again once they grant consent back', () => {
    // Prepare
    const record = recordAfter(TREATED, [churn(TREATED), revoke(TREATED, 'sms'), grant(TREATED, 'sms', 15)]);

    // Act / Assess
    expect(audienceRows(record, now, policies)).toEqual([]);
  });

  it('leaves out a customer who came back', () => {
    // Prepare
    const record = recordAfter(TREATED, [
      churn(TREATED),
      revoke(TREATED, 'sms'),
      returnedEvent({ customerId: TREATED, occurredAt: iso(day(15)) }),
    ]);

    // Act / Assess
    expect(record.journeys.at(-1)!.status).toBe('won_back');
    expect(audienceRows(record, now, policies)).toEqual([]);
  });

  it.each<[string, Parameters<typeof churnEvent>[0]]>([
    ['no consented channel at the churn', { consents: { sms: false, email: false, push: false } }],
    ['a repeat churner', { priorChurns: 2 }],
  ])('leaves out an ineligible customer (%s)', (_name, overrides) => {
    // Prepare
    const record = recordAfter(TREATED, [churn(TREATED, overrides), revoke(TREATED, 'sms')]);

    // Act / Assess
    expect(record.journeys.at(-1)!.status).toBe('ineligible');
    expect(audienceRows(record, now, policies)).toEqual([]);
  });

  it('gives no row for a customer with neither e-mail nor phone (a push token is not exported)', () => {
    // Prepare
    const record = recordAfter(TREATED, [
      churn(TREATED, { contacts: { pushToken: 'push-token-1' }, consents: { sms: false, email: false, push: true } }),
      revoke(TREATED, 'push'),
    ]);

    // Act / Assess
    expect(record.journeys.at(-1)!.status).toBe('active');
    expect(audienceRows(record, now, policies)).toEqual([]);
  });

  it('leaves out the control group: the holdout gets no marketing, ads included', () => {
    // Prepare
    const record = recordAfter(CONTROL, [churn(CONTROL), revoke(CONTROL, 'sms')]);

    // Act / Assess
    expect(record.journeys.at(-1)!.arm).toBe('control');
    expect(audienceRows(record, now, policies)).toEqual([]);
  });

  it('keeps a customer up to the last day of the horizon, and drops them once the journey has ended', () => {
    // Prepare: the default policy's horizon is 120 days.
    const record = recordAfter(TREATED, [churn(TREATED), revoke(TREATED, 'sms')]);

    // Act / Assess
    expect(audienceRows(record, day(121) - 1, policies)).toHaveLength(1);
    expect(audienceRows(record, day(121), policies)).toEqual([]);
  });

  it('gives nothing for a record without a journey (a consent change before any churn)', () => {
    // Prepare
    const record = recordAfter(TREATED, [revoke(TREATED, 'sms')]);

    // Act / Assess
    expect(audienceRows(record, now, policies)).toEqual([]);
  });
});
