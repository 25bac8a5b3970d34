import { beforeEach, describe, expect, it } from 'vitest';
import { ingestEvent } from '#shared/engine/ingest-event';
import { sendTouch } from '#shared/engine/send-touch';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, type TestDeps } from '../../support/fakes.ts';
import { dueOf, recordOf, T0, touchesOf } from './helpers.ts';

let deps: TestDeps;

beforeEach(() => {
  deps = makeDeps();
  deps.clock.set(T0);
});

/** Churns the customer with `locale` and sends their first touch; answers its decision-log entry. */
async function firstTouchIn(customerId: string, locale: string) {
  await ingestEvent(deps, churnEvent({ customerId, locale }));
  const touch = (await touchesOf(deps, customerId))[0]!;
  deps.clock.set(touch.dueAt);
  await sendTouch(deps, dueOf(customerId, touch));
  return (await recordOf(deps, customerId)).history.find((entry) => entry.touchId === touch.touchId && entry.decision !== 'planned')!;
}

describe('texts in the customer language', () => {
  it('sends a Spanish customer the Spanish text with the Spanish footer, and logs the language', async () => {
    // Act
    const entry = await firstTouchIn(customerIdIn('treatment'), 'es-ES');

    // Assess
    expect(deps.channels.sms.sent[0]!.text).toBe(
      'Winback Mobile: hay antenas nuevas cerca de ti: tu cobertura es mejor. Volver es gratis. Baja: responde STOP',
    );
    expect(deps.channels.sms.sent[0]).toMatchObject({ locale: 'es-ES', language: 'es' });
    expect(entry).toMatchObject({ decision: 'sent', language: 'es' });
  });

  it('falls back to English for a language the policy lacks', async () => {
    const entry = await firstTouchIn(customerIdIn('treatment'), 'fr-FR');

    expect(deps.channels.sms.sent[0]!.text).toMatch(/^Winback Mobile: since you left .* Reply STOP to opt out\.$/);
    expect(entry).toMatchObject({ decision: 'sent', language: 'en' });
  });

  it('logs the language a control-group touch would have gone out in', async () => {
    const entry = await firstTouchIn(customerIdIn('control'), 'ru');

    expect(deps.channels.sms.sent).toEqual([]);
    expect(entry).toMatchObject({ decision: 'withheld', language: 'ru' });
  });
});
