import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '#shared/domain/errors';
import { DAY_MS } from '#shared/domain/vocabulary';
import { ingestEvent } from '#shared/engine/ingest-event';
import { sendTouch } from '#shared/engine/send-touch';
import { countsAsClick, linkRoutes } from '#shared/http/link-routes';
import { createRouter } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, depsWith, makeDeps, type TestDeps } from '../../support/fakes.ts';
import { dueOf, recordOf, T0, touchesOf } from '../engine/helpers.ts';

const KEY = 'link-test-key';
const LINKS = { baseUrl: 'https://go.example.com', key: KEY };
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1';

/** A router over the v1 and link routes; every other route needs the key. */
function routerOf(deps: TestDeps) {
  return createRouter({
    routes: [...v1Routes(deps), ...linkRoutes(deps, KEY)],
    authorize: (request) => {
      if (request.headers['x-api-key'] !== 'key') throw new UnauthorizedError('missing x-api-key header');
    },
    logger: deps.logger,
  });
}

/** Churns a Spanish customer, sends their first SMS, and answers the link path it carried. */
async function sentLink(deps: TestDeps, customerId: string, accountType = 'consumer'): Promise<string> {
  deps.links = LINKS;
  deps.clock.set(T0);
  await ingestEvent(deps, churnEvent({ customerId, locale: 'es-ES', accountType, monthlyRevenue: 30, tenureMonths: 18 }));
  const touch = (await touchesOf(deps, customerId))[0]!;
  deps.clock.set(touch.dueAt);
  await sendTouch(deps, dueOf(customerId, touch));
  const link = /https:\/\/go\.example\.com(\/r\/[A-Za-z0-9_-]+)/.exec(deps.channels.sms.sent.at(-1)!.text);
  expect(link, deps.channels.sms.sent.at(-1)!.text).not.toBeNull();
  return link![1]!;
}

const clickedAt = async (deps: TestDeps, customerId: string) => (await touchesOf(deps, customerId))[0]!.engagement.clicked;

describe('tracked links', () => {
  it('put the link in the SMS before the footer, and a followed link records the click and shows the page in Spanish', async () => {
    // Prepare
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    const path = await sentLink(deps, customerId);
    expect(deps.channels.sms.sent[0]!.text).toMatch(/Volver es gratis\. https:\/\/go\.example\.com\/r\/\S+ Baja: responde STOP$/);
    expect(deps.channels.sms.sent[0]!.link).toBe(`https://go.example.com${path}`);

    // Act: no API key, as a customer's phone follows it.
    const response = await routerOf(deps)({ method: 'GET', path, headers: { 'user-agent': BROWSER } });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.body).toContain('<html lang="es">');
    expect(response.body).toContain('<h1>Tu cobertura ha mejorado</h1>');
    expect(response.body).toContain('hay antenas nuevas cerca de ti');
    expect(response.body).toContain('<form method="post"><button type="submit">Llamadme</button></form>');
    expect(await clickedAt(deps, customerId)).toBe(new Date(deps.clock.now()).toISOString());
    expect((await recordOf(deps, customerId)).history).toContainEqual(
      expect.objectContaining({
        decision: 'recorded',
        reason: 'engagement:clicked',
        touchId: (await touchesOf(deps, customerId))[0]!.touchId,
      }),
    );
  });

  it('does not count a HEAD or a link preview as a click', async () => {
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    const path = await sentLink(deps, customerId);
    const route = routerOf(deps);

    const head = await route({ method: 'HEAD', path, headers: { 'user-agent': BROWSER } });
    const preview = await route({ method: 'GET', path, headers: { 'user-agent': 'WhatsApp/2.23.20.0 A' } });
    const noAgent = await route({ method: 'GET', path, headers: {} });

    expect([head.statusCode, preview.statusCode, noAgent.statusCode]).toEqual([200, 200, 200]);
    expect(await clickedAt(deps, customerId)).toBeUndefined();
    for (const agent of [
      'facebookexternalhit/1.1',
      'Slackbot-LinkExpanding 1.0',
      'TelegramBot (like TwitterBot)',
      'Mozilla/5.0 (compatible; Googlebot/2.1)',
    ])
      expect(countsAsClick({ method: 'GET', headers: { 'user-agent': agent } }), agent).toBe(false);
    expect(countsAsClick({ method: 'GET', headers: { 'user-agent': BROWSER } })).toBe(true);
  });

  it('redirects to the offer URL when the policy gives one', async () => {
    const deps = depsWith((policy) => {
      policy.offers = policy.offers.map((offer) => ({ ...offer, url: `https://shop.example.com/back/${offer.id}` }));
    });
    const customerId = customerIdIn('treatment');
    const path = await sentLink(deps, customerId);

    const response = await routerOf(deps)({ method: 'GET', path, headers: { 'user-agent': BROWSER } });

    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('https://shop.example.com/back/fix-coverage');
    expect(await clickedAt(deps, customerId)).toBeDefined();
  });

  it('answers a forged or cut link with a clear 400 page, and an expired or erased one with 410', async () => {
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    const path = await sentLink(deps, customerId);
    const route = routerOf(deps);
    const get = (p: string, language = 'en') =>
      route({ method: 'GET', path: p, headers: { 'user-agent': BROWSER, 'accept-language': language } });

    const cut = await get(path.slice(0, -4), 'de-DE,de;q=0.9');
    const forged = await get(`/r/${'A'.repeat(40)}`);
    deps.clock.set(T0 + 121 * DAY_MS); // past the policy's 120-day horizon
    const expired = await get(path, 'es');

    expect(cut.statusCode).toBe(400);
    expect(cut.body).toContain('<h1>Dieser Link ist ungültig</h1>');
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('<h1>This link is not valid</h1>');
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('<h1>Esta oferta ha terminado</h1>');
    expect(await clickedAt(deps, customerId)).toBeUndefined();
  });

  it('creates a retention task for the policy’s team from the page’s call-back button, once', async () => {
    // Prepare
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    const path = await sentLink(deps, customerId, 'partner');
    const route = routerOf(deps);

    // Act
    const first = await route({ method: 'POST', path, headers: { 'user-agent': BROWSER } });
    const again = await route({ method: 'POST', path, headers: { 'user-agent': BROWSER } });

    // Assess
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(first.body).toContain('Gracias: te llamaremos pronto.');
    const journey = (await recordOf(deps, customerId)).journeys[0]!;
    expect(journey.task).toMatchObject({
      team: 'partner',
      status: 'open',
      origin: 'call_back',
      dueAt: new Date(deps.clock.now()).toISOString(),
    });
    expect(journey.touches.filter((t) => t.kind === 'task_notice')).toHaveLength(1);
    const tasks = await route({ method: 'GET', path: '/v1/tasks', headers: { 'x-api-key': 'key' }, query: { team: 'partner' } });
    expect(JSON.parse(tasks.body).tasks).toEqual([expect.objectContaining({ customerId, origin: 'call_back', team: 'partner' })]);
  });
});
