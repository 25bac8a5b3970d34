import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxChannel } from '#shared/adapters/local/outbox-channel';
import { customerFactRows } from '#shared/domain/kpi/facts';
import type { PriceTable } from '#shared/domain/pricing';
import { ingestEvent } from '#shared/engine/ingest-event';
import { sendTouch } from '#shared/engine/send-touch';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, depsWith, runUntil, type TestDeps } from '../../support/fakes.ts';
import { day, dueOf, recordOf, T0, touchesOf } from './helpers.ts';

/** In USD, with a rate into the policy's EUR: every figure below is computed by hand from it. */
const PRICES: PriceTable = {
  currency: 'USD',
  channels: {
    sms: { default: 0.1, byCountry: { ES: 0.07 } },
    email: { default: 0.0001, byCountry: {} },
    push: { default: 0, byCountry: {} },
    whatsapp: { default: 0.05, byCountry: {} },
  },
  exchangeRates: { EUR: 0.5 },
};
const SPAIN = '+34612345678';

/**
 * The port-out policy with Cyrillic texts: 66 letters, a space and a 4-letter footer make 71
 * UTF-16 units, so UCS-2 and ⌈71 / 67⌉ = 2 parts.
 */
function cyrillicDeps(change: (policy: Parameters<Parameters<typeof depsWith>[0]>[0]) => void = () => {}): TestDeps {
  const deps = depsWith((policy) => {
    policy.smsFooter = 'СТОП';
    policy.smsMaxParts = 2;
    // Only these texts: no translation of the default policy's.
    for (const offer of policy.offers) Object.assign(offer, { text: 'Ж'.repeat(66), translations: undefined });
    change(policy);
  });
  deps.prices = PRICES;
  deps.clock.set(T0);
  return deps;
}

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('message cost', () => {
  it('records the price of a sent SMS on its touch, shows it in the outbox and sums it in the facts', async () => {
    // Prepare: a treatment customer with a Spanish number; SMS goes to the local outbox.
    const deps = cyrillicDeps();
    dataDir = mkdtempSync(join(tmpdir(), 'winback-cost-'));
    const file = join(dataDir, 'outbox.jsonl');
    const outbox = new OutboxChannel(file, deps.clock);
    const engine = { ...deps, channels: { ...deps.channels, sms: outbox } };
    const customerId = customerIdIn('treatment');
    await ingestEvent(engine, churnEvent({ customerId, contacts: { phone: SPAIN } }));

    // Act: past touch 1 (days 30–45).
    await runUntil(engine, deps.scheduler, day(46));

    // Assess: 2 parts × 0.07 USD (Spain) × 0.5 EUR per USD = 0.07 EUR
    const [first] = await touchesOf(deps, customerId);
    expect(first).toMatchObject({ status: 'sent', channel: 'sms', cost: 0.07 });
    expect(outbox.list()).toHaveLength(1);
    expect(outbox.list()[0]).toMatchObject({ touchId: first!.touchId, cost: 0.07, parts: 2, currency: 'EUR' });
    expect(new OutboxChannel(file, deps.clock).list()).toEqual(outbox.list());
    const [facts] = customerFactRows(await recordOf(deps, customerId), 'key', day(46), deps.policies);
    expect(facts!.message_cost).toBe(0.07);
  });

  it('prices an e-mail per message, and records no cost for a control-group touch', async () => {
    // Prepare: no SMS consent, so e-mail; one treatment and one control customer.
    const deps = cyrillicDeps();
    const treated = customerIdIn('treatment');
    const control = customerIdIn('control');
    const consents = { sms: false, email: true, push: false };
    await ingestEvent(deps, churnEvent({ customerId: treated, consents }));
    await ingestEvent(deps, churnEvent({ eventId: 'evt-control', customerId: control, consents }));

    // Act
    await runUntil(deps, deps.scheduler, day(46));

    // Assess: 1 e-mail × 0.0001 USD × 0.5 = 0.00005 EUR; the control's touch is withheld, unpriced.
    expect((await touchesOf(deps, treated))[0]).toMatchObject({ status: 'sent', channel: 'email', cost: 0.00005 });
    expect(deps.channels.email.prices[0]).toEqual({ cost: 0.00005, parts: 1, currency: 'EUR' });
    const withheld = (await touchesOf(deps, control))[0]!;
    expect(withheld.status).toBe('withheld');
    expect(withheld.cost).toBeUndefined();
    expect(customerFactRows(await recordOf(deps, control), 'key', day(46), deps.policies)[0]!.message_cost).toBe(0);
  });

  it('never claims a message it cannot price: the touch stays planned and nothing is sent', async () => {
    // Prepare: a policy in GBP, which the table has no rate for.
    const deps = cyrillicDeps((policy) => {
      policy.currency = 'GBP';
    });
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, contacts: { phone: SPAIN } }));
    const touch = (await touchesOf(deps, customerId))[0]!;
    deps.clock.set(touch.dueAt);

    // Act
    const sending = sendTouch(deps, dueOf(customerId, touch));

    // Assess
    await expect(sending).rejects.toThrow('the price table (in USD) has no exchange rate to GBP');
    expect((await touchesOf(deps, customerId))[0]).toMatchObject({ status: 'planned', attempts: 0 });
    expect(deps.channels.sms.sent).toEqual([]);
  });
});
