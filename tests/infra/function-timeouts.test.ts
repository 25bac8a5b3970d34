import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATHENA_CALL, DYNAMODB_CALL, MESSAGE_CALL, SCHEDULER_CALL, worstCaseCallMs } from '#shared/adapters/aws/clients';
import { STOP_MARGIN_MS } from '#shared/adapters/aws/nightly-lambda';
import { CLAIM_LEASE_MS } from '#shared/domain/journey/timers';
import { CALL_CHAINS, chainMs } from '#lib/function-timeouts';
import { synthWinback } from '../support/cdk-app.ts';

/**
 * Every function's timeout covers the calls it makes in a row, each as slow as its SDK client
 * allows (attempts × per-attempt timeout + backoffs), so Lambda never stops one in the middle of a
 * slow but normal run; the send function's stays under a claim's lease.
 */
describe('Lambda timeouts derived from the call budgets', () => {
  let engine: Template;
  beforeAll(() => ({ engine } = synthWinback()));

  /** Timeout (s) of the function whose description matches. */
  const timeoutOf = (description: RegExp): number => {
    const found = Object.values(engine.findResources('AWS::Lambda::Function')).filter((fn) =>
      description.test(String(fn.Properties.Description)),
    );
    expect(found).toHaveLength(1);
    return found[0]!.Properties.Timeout as number;
  };

  it('gives the send function its whole path up to the outcome, and keeps it well under the lease', () => {
    // Prepare: read, lease timer, claim (+ settle), message, outcome (+ settle), by hand.
    const byHand = 5 * worstCaseCallMs(DYNAMODB_CALL) + worstCaseCallMs(SCHEDULER_CALL) + worstCaseCallMs(MESSAGE_CALL) + 5_000;

    // Act
    const timeout = timeoutOf(/Sends one due touch/);

    // Assess: 5 × 12 s + 65 s + 18 s + 5 s = 148 s.
    expect(byHand).toBe(148_000);
    expect(chainMs(CALL_CHAINS['send-touch'])).toBe(byHand);
    expect(timeout).toBe(148);
    expect(timeout * 1000).toBeLessThan(CLAIM_LEASE_MS);
  });

  it('gives the API and the engagement function one event’s ingest (and the phone lookup of an inbound SMS)', () => {
    // Prepare: receipts, record, timers, save (+ settle), cancels = 4 × 12 s + 2 × 65 s + 5 s.
    const oneEvent = 4 * worstCaseCallMs(DYNAMODB_CALL) + 2 * worstCaseCallMs(SCHEDULER_CALL) + 5_000;

    // Act & Assess
    expect(oneEvent).toBe(183_000);
    expect(timeoutOf(/public API v1/)).toBe(183);
    expect(timeoutOf(/SES events, SMS delivery receipts/)).toBe(183 + 12);
  });

  it('runs the nightly job to Lambda’s ceiling, stopping its Athena wait in time for the stop call to fail as slowly as it may', () => {
    // Act & Assess
    expect(timeoutOf(/Nightly KPIs/)).toBe(900);
    expect(STOP_MARGIN_MS).toBe(worstCaseCallMs(ATHENA_CALL) + 5_000);
    expect(STOP_MARGIN_MS).toBe(70_000);
  });
});
