import { describe, expect, it } from 'vitest';
import { answersFromResponse, Ledger, reconcile, type Answer } from '../../../scripts/load/ledger.ts';

/** A ledger holding, per event id, the answers to its copies in posting order. */
function ledgerOf(copies: Record<string, Answer[]>): Ledger {
  const ledger = new Ledger();
  for (const [eventId, answers] of Object.entries(copies)) {
    for (const answer of answers) ledger.answer(ledger.post(eventId), answer);
  }
  return ledger;
}

describe('reconcile (npm run load)', () => {
  it('finds nothing wrong when every promised event is stored once and replays answer duplicate', () => {
    // Prepare
    const ledger = ledgerOf({ e1: ['accepted', 'duplicate'], e2: ['accepted'], e3: ['unanswered'] });

    // Act
    const result = reconcile(
      ledger.entries(),
      new Map([
        ['e1', 1],
        ['e2', 1],
      ]),
    );

    // Assess
    expect(result).toMatchObject({
      events: 3,
      replays: 1,
      replaysAnsweredDuplicate: 1,
      replaysAppliedAgain: 0,
      lost: [],
      duplicates: [],
      storedWithoutPromise: 0,
      strangers: [],
    });
    expect(result.answers).toEqual({ accepted: 2, duplicate: 1, rejected: 0, failed: 0, unanswered: 1 });
  });

  it('counts an event answered accepted or duplicate but not stored as lost', () => {
    const ledger = ledgerOf({ e1: ['accepted'], e2: ['unanswered', 'duplicate'] });

    const result = reconcile(ledger.entries(), new Map());

    expect(result.lost).toEqual(['e1', 'e2']);
  });

  it('counts an event stored twice as a duplicate, promised or not', () => {
    const ledger = ledgerOf({ e1: ['accepted', 'duplicate'], e2: ['failed'] });

    const result = reconcile(
      ledger.entries(),
      new Map([
        ['e1', 2],
        ['e2', 2],
      ]),
    );

    expect(result.duplicates).toEqual(['e1', 'e2']);
  });

  it('flags a replay answered accepted after an earlier copy was promised stored', () => {
    const ledger = ledgerOf({ e1: ['accepted', 'accepted'], e2: ['unanswered', 'accepted'] });

    const result = reconcile(
      ledger.entries(),
      new Map([
        ['e1', 1],
        ['e2', 1],
      ]),
    );

    // e2's first copy was never answered, so its replay being the one applied is fine.
    expect(result.replaysAppliedAgain).toBe(1);
  });

  it('allows an unanswered or failed event to be stored once, and names stored events never posted', () => {
    const ledger = ledgerOf({ e1: ['unanswered'], e2: ['failed'], e3: ['unanswered'] });

    const result = reconcile(
      ledger.entries(),
      new Map([
        ['e1', 1],
        ['e2', 1],
        ['x9', 1],
      ]),
    );

    expect(result).toMatchObject({ lost: [], duplicates: [], storedWithoutPromise: 2, strangers: ['x9'] });
  });

  it('refuses an answer to a copy never posted', () => {
    const ledger = new Ledger();

    expect(() => ledger.answer({ eventId: 'e1', copy: 0 }, 'accepted')).toThrow(/never posted/);
  });
});

describe('answersFromResponse (npm run load)', () => {
  it('reads one event: 202 accepted, 200 duplicate, 400 rejected, anything else failed', () => {
    expect(answersFromResponse(202, '{"eventId":"e1","status":"accepted"}', 1, false)).toEqual(['accepted']);
    expect(answersFromResponse(200, '{"eventId":"e1","status":"duplicate"}', 1, false)).toEqual(['duplicate']);
    expect(answersFromResponse(400, '{"error":{}}', 1, false)).toEqual(['rejected']);
    expect(answersFromResponse(503, '', 1, false)).toEqual(['failed']);
    expect(answersFromResponse(429, '', 1, false)).toEqual(['failed']);
  });

  it('reads a batch per event by index, and fails events the answer says nothing about', () => {
    const body = JSON.stringify({
      results: [
        { index: 2, status: 'duplicate' },
        { index: 0, status: 'accepted' },
      ],
    });

    expect(answersFromResponse(200, body, 3, true)).toEqual(['accepted', 'failed', 'duplicate']);
  });

  it('fails every event of a batch answered with an error status or an unreadable body', () => {
    expect(answersFromResponse(500, '', 2, true)).toEqual(['failed', 'failed']);
    expect(answersFromResponse(200, 'not json', 2, true)).toEqual(['failed', 'failed']);
    expect(answersFromResponse(400, '{}', 2, true)).toEqual(['rejected', 'rejected']);
  });
});
