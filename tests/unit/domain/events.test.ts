import { describe, expect, it } from 'vitest';
import { formatPath, parseEvent, WinbackEvent } from '#shared/domain/events';
import { eventFixture, validEventFixtures } from '../../fixtures/events.ts';

/** The paths `parseEvent` names for an input, sorted and deduplicated. */
function invalidPaths(input: unknown): string[] {
  const result = parseEvent(input);
  if (result.ok) throw new Error('expected the event to be rejected');
  return [...new Set(result.issues.map((issue) => issue.path))].sort();
}

describe('parseEvent', () => {
  it.each(Object.entries(validEventFixtures()))('accepts a valid %s event', (type, input) => {
    // Act
    const result = parseEvent(input);

    // Assess
    expect(result).toMatchObject({ ok: true, event: { type, eventId: input.eventId, customerId: input.customerId } });
  });

  it('covers every v1 event type with a fixture', () => {
    // Prepare
    const schemaTypes = WinbackEvent.options.map((option) => option.shape.type.value);

    // Act
    const fixtureTypes = Object.keys(validEventFixtures());

    // Assess
    expect(fixtureTypes.sort()).toEqual([...schemaTypes].sort());
  });

  it('applies the documented defaults to a minimal churn event', () => {
    // Prepare
    const minimal = {
      eventId: 'evt-min',
      type: 'customer.churned',
      occurredAt: '2026-01-05T09:00:00Z',
      customerId: 'cust-min',
      churnKind: 'lapse',
      contacts: {},
      consents: {},
      timezone: 'America/New_York',
      monthlyRevenue: 0,
      tenureMonths: 0,
    };

    // Act
    const result = parseEvent(minimal);

    // Assess
    expect(result).toMatchObject({
      ok: true,
      event: {
        exitReason: 'unknown',
        consents: { sms: false, email: false, push: false },
        locale: 'en',
        priorChurns: 0,
        accountType: 'consumer',
      },
    });
  });

  it('names every invalid field of a churn event with its path', () => {
    // Prepare
    const input = eventFixture('invalid-churn-fields');

    // Act
    const paths = invalidPaths(input);

    // Assess
    expect(paths).toEqual(['consents.sms', 'contacts.email', 'contacts.phone', 'monthlyRevenue', 'occurredAt', 'timezone']);
  });

  it('names the unknown type and the bad envelope fields together', () => {
    // Prepare
    const input = eventFixture('invalid-unknown-type');

    // Act
    const paths = invalidPaths(input);

    // Assess
    expect(paths).toEqual(['customerId', 'eventId', 'occurredAt', 'type']);
  });

  it('names a missing type and missing envelope fields', () => {
    // Act
    const paths = invalidPaths({ score: 3 });

    // Assess
    expect(paths).toEqual(['customerId', 'eventId', 'occurredAt', 'type']);
  });

  it('rejects a body that is not an object, naming the body', () => {
    // Act
    const result = parseEvent('customer.churned');

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((issue) => issue.path)).toContain('(body)');
  });

  it.each([
    ['2026-02-24T14:10:00', false],
    ['2026-02-24', false],
    ['2026-02-24 14:10:00+00:00', false],
    ['2026-02-24T14:10:00Z', true],
    ['2026-02-24T14:10:00+01:00', true],
    ['2026-02-24T14:10:00.123-05:00', true],
  ])('occurredAt %s is accepted: %s', (occurredAt, accepted) => {
    // Prepare
    const input = { ...eventFixture('customer-returned'), occurredAt };

    // Act
    const result = parseEvent(input);

    // Assess
    expect(result.ok).toBe(accepted);
    if (!result.ok) expect(result.issues.map((issue) => issue.path)).toEqual(['occurredAt']);
  });

  it('rejects an occurredAt without an offset, with a message that shows the expected form', () => {
    // Act
    const result = parseEvent(eventFixture('invalid-no-offset'));

    // Assess
    expect(result).toEqual({
      ok: false,
      issues: [expect.objectContaining({ path: 'occurredAt', message: expect.stringContaining('offset') })],
    });
  });

  it('rejects control characters in ids, and names each id and bad field', () => {
    // Act
    const paths = invalidPaths(eventFixture('invalid-control-characters'));

    // Assess
    expect(paths).toEqual(['customerId', 'eventId', 'score']);
  });

  it.each(['\u0000', '\u0007', '\n', '\t', '\u001b', '\u007f', '\u0085'])(
    'rejects the control character %j inside a customer id',
    (control) => {
      // Prepare
      const input = { ...eventFixture('customer-returned'), customerId: `cust${control}1` };

      // Act
      const result = parseEvent(input);

      // Assess
      expect(result).toEqual({
        ok: false,
        issues: [expect.objectContaining({ path: 'customerId', message: 'must not contain control characters' })],
      });
    },
  );

  it('accepts printable non-ASCII ids', () => {
    // Act
    const result = parseEvent({ ...eventFixture('customer-returned'), customerId: 'müller-ñ-東京-42' });

    // Assess
    expect(result.ok).toBe(true);
  });

  it('rejects ids longer than 128 characters', () => {
    // Act
    const paths = invalidPaths({ ...eventFixture('customer-returned'), eventId: 'e'.repeat(129) });

    // Assess
    expect(paths).toEqual(['eventId']);
  });

  it('names nested fields of the other event types', () => {
    // Prepare
    const consent = { ...eventFixture('consent-revoked-sms'), channel: 'ussd', granted: 'no' };
    const engaged = { ...eventFixture('message-engaged'), kind: 'liked', touchId: '' };

    // Act
    const consentPaths = invalidPaths(consent);
    const engagedPaths = invalidPaths(engaged);

    // Assess
    expect(consentPaths).toEqual(['channel', 'granted']);
    expect(engagedPaths).toEqual(['kind', 'touchId']);
  });
});

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['occurredAt'], 'occurredAt'],
    [['contacts', 'phone'], 'contacts.phone'],
    [['events', 2, 'contacts', 'phone'], 'events[2].contacts.phone'],
    [[0, 'type'], '[0].type'],
  ])('formats %j as %j', (path, expected) => {
    // Act
    const formatted = formatPath(path);

    // Assess
    expect(formatted).toBe(expected);
  });
});
