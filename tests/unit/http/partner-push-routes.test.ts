import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '#shared/domain/errors';
import { ingestEvent } from '#shared/engine/ingest-event';
import { sendTouch } from '#shared/engine/send-touch';
import { partnerPushRoutes } from '#shared/http/partner-push-routes';
import { createRouter } from '#shared/http/router';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, type TestDeps } from '../../support/fakes.ts';
import { dueOf, T0, touchesOf } from '../engine/helpers.ts';

const SECRET = 'partner-push-route-secret';
const WALL = Date.parse('2026-12-06T12:00:00Z');

/** A router over the receipts route; every other route would need a key. */
function routerOf(deps: TestDeps) {
  return createRouter({
    routes: partnerPushRoutes(deps, SECRET, { now: () => WALL }),
    authorize: () => {
      throw new UnauthorizedError('missing x-api-key header');
    },
    logger: deps.logger,
  });
}

/** A receipt as the partner signs it: with node:crypto alone, at `atMs` on the partner's clock. */
function signed(receipt: unknown, atMs = WALL, secret = SECRET) {
  const body = JSON.stringify(receipt);
  const timestamp = String(Math.floor(atMs / 1000));
  const signature = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return {
    method: 'POST',
    path: '/v1/push/receipts',
    headers: { 'content-type': 'application/json', 'x-winback-timestamp': timestamp, 'x-winback-signature': signature },
    body,
  };
}

/** Churns a customer only push reaches and sends their first touch to the partner (a fake channel). */
async function pushed(deps: TestDeps, customerId: string): Promise<string> {
  deps.clock.set(T0);
  await ingestEvent(
    deps,
    churnEvent({ customerId, contacts: { pushToken: 'bank-user-981' }, consents: { sms: false, email: false, push: true } }),
  );
  const touch = (await touchesOf(deps, customerId))[0]!;
  deps.clock.set(touch.dueAt);
  await sendTouch(deps, dueOf(customerId, touch));
  expect(deps.channels.push.sent.at(-1)).toMatchObject({ channel: 'push', touchId: touch.touchId, offer: { angle: 'fix' } });
  return touch.touchId;
}

describe('partner push receipts', () => {
  it('records a signed receipt on its touch as message.engaged, once', async () => {
    // Prepare
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    const touchId = await pushed(deps, customerId);
    const route = routerOf(deps);

    // Act: no API key; the signature is the authentication.
    const first = await route(signed({ touchId, customerId, event: 'delivered' }));
    const again = await route(signed({ touchId, customerId, event: 'delivered' }));
    const opened = await route(signed({ touchId, customerId, event: 'opened', occurredAt: '2026-02-10T09:00:00+01:00' }));

    // Assess
    expect(first.statusCode).toBe(202);
    expect(JSON.parse(first.body)).toEqual({ touchId, event: 'delivered', status: 'accepted' });
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ status: 'duplicate' });
    expect(opened.statusCode).toBe(202);
    const [touch] = await touchesOf(deps, customerId);
    expect(touch!.engagement).toMatchObject({ delivered: expect.any(String), opened: expect.any(String) });
  });

  it('refuses a receipt signed with another secret, too old, unsigned or malformed, naming why', async () => {
    // Prepare
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    const touchId = await pushed(deps, customerId);
    const route = routerOf(deps);
    const receipt = { touchId, customerId, event: 'clicked' };

    // Act
    const forged = await route(signed(receipt, WALL, 'a-secret-of-someone-else'));
    const replayed = await route(signed(receipt, WALL - 6 * 60_000));
    const { headers, ...unsigned } = signed(receipt);
    const bare = await route({ ...unsigned, headers: { 'content-type': 'application/json' } });
    const wrong = await route(signed({ touchId, event: 'read', customerId, extra: 1 }));

    // Assess
    expect([forged, replayed, bare].map((answer) => answer.statusCode)).toEqual([401, 401, 401]);
    expect(JSON.parse(forged.body).error.message).toMatch(/^X-Winback-Signature is not the HMAC-SHA256/);
    expect(JSON.parse(replayed.body).error.message).toMatch(/more than 5 minutes from our clock/);
    expect(JSON.parse(bare.body).error.message).toMatch(/^sign the receipt/);
    expect(wrong.statusCode).toBe(400);
    const details = JSON.parse(wrong.body).error.details as Array<{ path: string; message: string }>;
    expect(details.map((d) => d.path).sort()).toEqual(['(body)', 'event']);
    expect(details.find((d) => d.path === '(body)')!.message).toContain('"extra"');
    expect((await touchesOf(deps, customerId))[0]!.engagement).toEqual({});
  });
});
