import { describe, expect, it } from 'vitest';
import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import type { CustomerRecord } from '#shared/domain/journey/record';
import type { EventReceipt } from '#shared/ports/customer-store';
import { createRouter } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { churnInput, eventFixture } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps } from '../../support/fakes.ts';

/** A store whose saves for one customer fail, as DynamoDB does when an outage outlasts the retries. */
class OutageStore extends InMemoryCustomerStore {
  constructor(private readonly down: Set<string>) {
    super();
  }

  override async save(record: CustomerRecord, receipt?: EventReceipt): Promise<void> {
    if (this.down.has(record.customerId))
      throw Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    return super.save(record, receipt);
  }
}

function setup(down: Set<string>) {
  const deps = makeDeps({ store: new OutageStore(down) });
  const route = createRouter({ routes: v1Routes(deps), authorize: () => {}, logger: deps.logger });
  const post = async (body: unknown) => {
    const response = await route({
      method: 'POST',
      path: '/v1/events',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, any> };
  };
  return { deps, post };
}

describe('POST /v1/events with a batch some of whose events cannot be stored', () => {
  const healthy = customerIdIn('treatment', undefined, 'healthy');
  const unlucky = customerIdIn('treatment', undefined, 'unlucky');

  it('answers each event: the stored ones accepted, the failed ones "failed", and 503 so that the caller retries', async () => {
    // Prepare
    const down = new Set([unlucky]);
    const { deps, post } = setup(down);
    const events = [
      churnInput({ eventId: 'e-healthy', customerId: healthy }),
      churnInput({ eventId: 'e-unlucky-1', customerId: unlucky }),
      eventFixture('invalid-no-offset'),
      { ...churnInput({ eventId: 'e-unlucky-2', customerId: unlucky }), occurredAt: '2026-01-05T10:00:00+00:00' },
    ];

    // Act
    const response = await post({ events });

    // Assess
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ accepted: 1, duplicate: 0, rejected: 1, failed: 2, error: { code: 'retry_failed_events' } });
    expect(response.body.results).toEqual([
      { index: 0, eventId: 'e-healthy', status: 'accepted', eventRef: expect.stringMatching(/^[0-9a-f]{16}$/) },
      { index: 1, eventId: 'e-unlucky-1', status: 'failed', reason: 'unavailable', eventRef: expect.stringMatching(/^[0-9a-f]{16}$/) },
      expect.objectContaining({ index: 2, status: 'rejected' }),
      // Not tried: sent again after the first, the customer's events still apply in order.
      {
        index: 3,
        eventId: 'e-unlucky-2',
        status: 'failed',
        reason: 'earlier_event_failed',
        eventRef: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
    expect(await deps.store.hasEvent('e-healthy')).toBe(true);
    expect(await deps.store.hasEvent('e-unlucky-1')).toBe(false);
  });

  it('stores the failed events when the caller sends the batch again, the stored one answering duplicate', async () => {
    // Prepare
    const down = new Set([unlucky]);
    const { deps, post } = setup(down);
    const events = [churnInput({ eventId: 'e-healthy', customerId: healthy }), churnInput({ eventId: 'e-unlucky-1', customerId: unlucky })];
    await post({ events });
    down.clear();

    // Act
    const retried = await post({ events });

    // Assess
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ accepted: 1, duplicate: 1, rejected: 0, failed: 0 });
    expect(await deps.store.hasEvent('e-unlucky-1')).toBe(true);
  });
});
