import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent } from '#shared/domain/journey/apply-event';
import { type CustomerRecord, emptyRecord } from '#shared/domain/journey/record';
import { copyRecord } from '#shared/domain/journey/record-copy';
import { churnEvent } from '../../fixtures/events.ts';
import { defaultPolicies } from '../../support/fakes.ts';

/** Plain data as records hold it, with undefined fields and nesting. */
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), tie('value'), { maxKeys: 4 }),
  ),
}));

describe('copyRecord', () => {
  it('gives what structuredClone gives for plain data: the same keys in the same order, undefined fields kept', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), plain.value), (value) => {
        const record = value as unknown as CustomerRecord;
        const copy = copyRecord(record);
        expect(copy).toStrictEqual(structuredClone(record));
        expect(JSON.stringify(copy)).toBe(JSON.stringify(record));
      }),
    );
  });

  it('shares only the decision log’s entries with the record: changing the copy leaves a frozen record as it was', () => {
    const { record } = applyEvent(
      emptyRecord('c-1'),
      churnEvent({ customerId: 'c-1' }),
      Date.parse('2026-01-05T10:00:00Z'),
      defaultPolicies(),
    );
    const frozen = JSON.parse(JSON.stringify(record), (_key, value) => (value && typeof value === 'object' ? Object.freeze(value) : value));
    const copy = copyRecord(frozen);
    copy.journeys[0]!.touches[0]!.status = 'sent';
    copy.profile!.contacts.phone = '+14155550100';
    copy.history.push({ at: '2026-01-06T00:00:00.000Z', decision: 'recorded', reason: 'test' });
    expect(frozen).toEqual(record);
    expect(copy.journeys[0]!.touches[0]!.status).toBe('sent');
    expect(copy.history).not.toBe(frozen.history);
    expect(copy.history[0]).toBe(frozen.history[0]);
  });
});
