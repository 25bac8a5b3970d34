import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '#shared/domain/errors';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import { ingestEvent } from '#shared/engine/ingest-event';
import { createRouter } from '#shared/http/router';
import { unsubscribeRoutes } from '#shared/http/unsubscribe-routes';
import { v1Routes } from '#shared/http/v1-routes';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps } from '../../support/fakes.ts';
import { recordOf } from '../engine/helpers.ts';

const KEY = 'unsubscribe-test-key';

function setup() {
  const deps = makeDeps();
  const route = createRouter({
    routes: [...v1Routes(deps), ...unsubscribeRoutes(deps, KEY)],
    // Every other route needs the key: this stands for the API key check.
    authorize: (request) => {
      if (request.headers['x-api-key'] !== 'key') throw new UnauthorizedError('missing x-api-key header');
    },
    logger: deps.logger,
  });
  return { deps, route };
}

describe('one-click unsubscribe routes', () => {
  it('shows a button on GET and changes nothing, so a mail scanner following the link opts nobody out', async () => {
    // Prepare
    const { deps, route } = setup();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: false, email: true, push: false } }));
    const token = signUnsubscribeToken({ customerId, channel: 'email' }, KEY);

    // Act
    const response = await route({ method: 'GET', path: '/v1/unsubscribe', headers: {}, query: { token } });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('method="post"');
    expect(response.body).toContain(`?token=${encodeURIComponent(token)}`);
    expect((await recordOf(deps, customerId)).profile!.consents.email).toBe(true);
  });

  it('opts out on the RFC 8058 POST without an API key, cancels that channel’s touches, and takes a second click as a replay', async () => {
    // Prepare: e-mail is the only consented channel, so its touches have nowhere to go.
    const { deps, route } = setup();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: false, email: true, push: false } }));
    const token = signUnsubscribeToken({ customerId, channel: 'email' }, KEY);
    const post = () =>
      route({
        method: 'POST',
        path: '/v1/unsubscribe',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        query: { token },
        body: 'List-Unsubscribe=One-Click',
      });

    // Act
    const first = await post();
    const second = await post();

    // Assess
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    const record = await recordOf(deps, customerId);
    expect(record.profile!.consents.email).toBe(false);
    expect(record.journeys[0]!.touches.map((t) => [t.status, t.reason])).toEqual([
      ['cancelled', 'consent_revoked'],
      ['cancelled', 'consent_revoked'],
    ]);
    expect(deps.scheduler.timers.size).toBe(0);
    expect(record.history.filter((h) => h.decision === 'recorded' && h.reason === 'consent_revoked')).toHaveLength(1);
  });

  it('refuses a link that is not signed with the key, or was cut short, and still guards the other routes', async () => {
    const { deps, route } = setup();
    const forged = signUnsubscribeToken({ customerId: 'someone-else', channel: 'email' }, 'another-key');
    const valid = signUnsubscribeToken({ customerId: 'c-1', channel: 'sms' }, KEY);
    for (const token of [forged, valid.slice(0, -3), '', undefined]) {
      const response = await route({ method: 'POST', path: '/v1/unsubscribe', headers: {}, query: token === undefined ? {} : { token } });
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).error.details[0].path).toBe('token');
    }
    expect(await deps.store.get('someone-else')).toBeUndefined();
    expect((await route({ method: 'GET', path: '/v1/customers/c-1', headers: {} })).statusCode).toBe(401);
    expect((await route({ method: 'DELETE', path: '/v1/unsubscribe', headers: {} })).statusCode).toBe(401);
  });

  it('after an erasure, a valid link from an old mail changes nothing and brings no record back', async () => {
    // Prepare
    const { deps, route } = setup();
    const customerId = customerIdIn('treatment', undefined, '+447700900777');
    await ingestEvent(deps, churnEvent({ customerId }));
    const token = signUnsubscribeToken({ customerId, channel: 'email' }, KEY);
    expect(
      (await route({ method: 'DELETE', path: `/v1/customers/${encodeURIComponent(customerId)}`, headers: { 'x-api-key': 'key' } }))
        .statusCode,
    ).toBe(200);

    // Act
    const response = await route({
      method: 'POST',
      path: '/v1/unsubscribe',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      query: { token },
      body: 'List-Unsubscribe=One-Click',
    });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(await deps.store.get(customerId)).toBeUndefined();
    expect(deps.store.customerIds()).toEqual([]);
  });
});
