import { describe, expect, it } from 'vitest';
import { erasedFacts } from '#shared/domain/erasure';
import { shortHash } from '#shared/domain/hash';
import { deferredTimerName } from '#shared/domain/journey/timers';
import { customerFactRows } from '#shared/domain/kpi/facts';
import { parsePolicy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { Pseudonyms } from '#shared/domain/pseudonyms';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent } from '../../fixtures/events.ts';
import { makeDeps } from '../../support/fakes.ts';
import { recordOf, T0 } from '../engine/helpers.ts';

const KEY = 'pseudonym-test-key';
const PHONE_EVENT = 'churn/+447700900123';

describe('pseudonyms', () => {
  it('keys journey ids, customer tags and event tags, each bound to its use', () => {
    // Prepare
    const keyed = new Pseudonyms(KEY);
    const other = new Pseudonyms('another-key');

    // Act
    const ids = [keyed.journeyId(PHONE_EVENT), keyed.customerTag(PHONE_EVENT), keyed.eventTag(PHONE_EVENT)];

    // Assess: none is the plain hash a number could be tried against, and another key gives others.
    expect(ids[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(ids[1]).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(ids.map((id) => id.slice(0, 12))).size).toBe(3);
    expect(ids).not.toContain(shortHash(`journey:${PHONE_EVENT}`, 12));
    expect(ids).not.toContain(shortHash(PHONE_EVENT));
    expect([other.journeyId(PHONE_EVENT), other.customerTag(PHONE_EVENT)]).not.toEqual(ids.slice(0, 2));
    expect(keyed.journeyId(PHONE_EVENT)).toBe(new Pseudonyms(KEY).journeyId(PHONE_EVENT));
  });

  it('gives the plain legacy hashes without a key, and refuses an empty key', () => {
    // Act & Assess
    expect(new Pseudonyms().journeyId(PHONE_EVENT)).toBe(shortHash(`journey:${PHONE_EVENT}`, 12));
    expect(new Pseudonyms().customerTag('c-1')).toBe(shortHash('c-1'));
    expect(() => new Pseudonyms('')).toThrow(/must not be empty/);
  });

  it('names a deferred timer after the touch’s first timer', () => {
    // Act & Assess
    expect(deferredTimerName('wb-0123456789abcdef-a1b2c3d4e5f6-1', 1)).toBe('wb-0123456789abcdef-a1b2c3d4e5f6-1-d1');
    expect(deferredTimerName('wb-0123456789abcdef-a1b2c3d4e5f6-1-d1', 2)).toBe('wb-0123456789abcdef-a1b2c3d4e5f6-1-d2');
  });
});

describe('journey ids kept apart from the customer', () => {
  it('moves a journey planned before ids were keyed to its keyed id, touches and task with it, when erased and in the facts', async () => {
    // Prepare: planned by a registry without a key, as before ids were keyed.
    const deps = makeDeps({ policies: new PolicyRegistry([parsePolicy(telecomPortOut)]) });
    deps.clock.set(T0);
    await ingestEvent(deps, churnEvent({ customerId: 'c-legacy', eventId: PHONE_EVENT }));
    const record = await recordOf(deps, 'c-legacy');
    const legacyId = record.journeys[0]!.journeyId;
    const keyedId = new Pseudonyms(KEY).journeyId(PHONE_EVENT);

    // Act
    const [erased] = erasedFacts(record, KEY, T0);
    const [fact] = customerFactRows(record, KEY, T0, deps.policies);

    // Assess
    expect(legacyId).toBe(shortHash(`journey:${PHONE_EVENT}`, 12));
    expect(erased!.journeyId).toBe(keyedId);
    expect(erased!.touches.map((t) => t.touchId)).toEqual(record.journeys[0]!.touches.map((t) => t.touchId.replace(legacyId, keyedId)));
    expect(JSON.stringify(erased)).not.toContain(legacyId);
    expect(fact!.journey_id).toBe(keyedId);
  });

  it('keeps a keyed journey id as it is', async () => {
    // Prepare
    const deps = makeDeps({ policies: new PolicyRegistry([parsePolicy(telecomPortOut)], [], { idKey: KEY }) });
    deps.clock.set(T0);
    await ingestEvent(deps, churnEvent({ customerId: 'c-keyed', eventId: PHONE_EVENT }));
    const record = await recordOf(deps, 'c-keyed');

    // Act
    const [erased] = erasedFacts(record, KEY, T0);

    // Assess
    expect(record.journeys[0]!.journeyId).toBe(new Pseudonyms(KEY).journeyId(PHONE_EVENT));
    expect(erased!.journeyId).toBe(record.journeys[0]!.journeyId);
    expect(erased!.touches.map((t) => t.touchId)).toEqual(record.journeys[0]!.touches.map((t) => t.touchId));
  });
});
