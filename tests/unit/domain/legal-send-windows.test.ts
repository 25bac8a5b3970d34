import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/domain/errors';
import { deploymentLegalSendWindows, LEGAL_SEND_WINDOWS, legalWindowFor } from '#shared/domain/legal-send-windows';
import { parsePolicy, type PolicyInput } from '#shared/domain/policy';
import { deploymentPolicies, PolicyRegistry } from '#shared/domain/policy-registry';
import { subscription } from '#shared/domain/policies/subscription';
import { telecomPortOut, telecomPortOutV1 } from '#shared/domain/policies/telecom-port-out';
import { isInsideSendWindow } from '#shared/domain/send-window';
import { sendWindowFor } from '#shared/domain/targeting';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil } from '../../support/fakes.ts';
import { day, touchesOf } from '../engine/helpers.ts';

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const ALWAYS = { start: '00:00', end: '24:00', weekdays: EVERY_DAY };

/** The default policy with a send window of its own, and per-market rules if given. */
const policyWith = (sendWindow: PolicyInput['sendWindow'], markets: PolicyInput['markets'] = []) =>
  parsePolicy({ ...structuredClone(telecomPortOut), sendWindow, markets });

describe('the deployment-wide legal send windows', () => {
  it('narrow a policy window wider than the law: TCPA in the US, the FTSA in Florida', () => {
    const wide = policyWith(ALWAYS);
    expect(sendWindowFor(wide, 'US', LEGAL_SEND_WINDOWS)).toEqual({ start: '08:00', end: '21:00', weekdays: EVERY_DAY });
    expect(sendWindowFor(wide, 'US-FL', LEGAL_SEND_WINDOWS)).toEqual({ start: '08:00', end: '20:00', weekdays: EVERY_DAY });
    // No law known for the market, or no market: the policy's own window.
    expect(sendWindowFor(wide, 'GB', LEGAL_SEND_WINDOWS)).toEqual(ALWAYS);
    expect(sendWindowFor(wide, undefined, LEGAL_SEND_WINDOWS)).toEqual(ALWAYS);
  });

  it('let a subdivision without a rule of its own fall back to its country', () => {
    expect(legalWindowFor(LEGAL_SEND_WINDOWS, 'US-TX')).toEqual({ start: '08:00', end: '21:00', weekdays: EVERY_DAY });
    expect(sendWindowFor(policyWith(ALWAYS), 'US-TX', LEGAL_SEND_WINDOWS)).toMatchObject({ start: '08:00', end: '21:00' });
  });

  it('bind a subdivision by its country’s window too', () => {
    const table = deploymentLegalSendWindows([{ market: 'US', start: '09:00', end: '21:00', weekdays: [1, 2, 3, 4, 5] }]);
    expect(legalWindowFor(table, 'US-FL')).toEqual({ start: '09:00', end: '20:00', weekdays: [1, 2, 3, 4, 5] });
  });

  it('cannot be widened by a policy: its rule for a market only narrows the law', () => {
    const lenient = policyWith(ALWAYS, [
      { market: 'US', start: '06:00', end: '23:00' },
      { market: 'US-FL', start: '09:00', end: '22:00', weekdays: [1, 2, 3, 4, 5] },
    ]);
    expect(sendWindowFor(lenient, 'US-TX', LEGAL_SEND_WINDOWS)).toEqual({ start: '08:00', end: '21:00', weekdays: EVERY_DAY });
    expect(sendWindowFor(lenient, 'US-FL', LEGAL_SEND_WINDOWS)).toEqual({ start: '09:00', end: '20:00', weekdays: [1, 2, 3, 4, 5] });
    // The registry the engine asks holds the same table.
    expect(new PolicyRegistry([lenient]).sendWindowFor(lenient, 'US-TX')).toEqual({ start: '08:00', end: '21:00', weekdays: EVERY_DAY });
  });

  it('refuse a policy rule that shares no hour with the law, naming its JSON path', () => {
    const attempt = () =>
      policyWith(ALWAYS, [
        { market: 'GB', start: '09:00', end: '17:00' },
        { market: 'US-FL', start: '20:00', end: '23:00' },
      ]);
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).details).toEqual([
        {
          path: 'markets[1]',
          code: 'custom',
          message:
            '20:00–23:00 every day lies entirely outside the legal send window of US-FL (08:00–20:00 every day): nothing could ever be sent there',
        },
      ]);
    }
  });

  it('leave the embedded policies’ windows as they were in every market', () => {
    const registry = deploymentPolicies([]);
    for (const [policy, window] of [
      [telecomPortOut, { start: '10:00', end: '19:00', weekdays: [1, 2, 3, 4, 5, 6] }],
      [telecomPortOutV1, { start: '10:00', end: '19:00', weekdays: [1, 2, 3, 4, 5, 6] }],
      [subscription, { start: '09:00', end: '20:00', weekdays: EVERY_DAY }],
    ] as const) {
      const parsed = registry.get(policy.id, policy.version);
      for (const market of [undefined, 'US', 'US-FL', 'US-TX', 'GB']) expect(registry.sendWindowFor(parsed, market)).toEqual(window);
    }
  });
});

describe('legal send windows from the deployment’s settings', () => {
  it('add a market, and narrow a known one', () => {
    const table = deploymentLegalSendWindows([
      { market: 'FR', start: '10:00', end: '13:00', weekdays: [1, 2, 3, 4, 5] },
      { market: 'US-FL', start: '09:00', end: '20:00' },
    ]);
    expect(legalWindowFor(table, 'FR')).toEqual({ start: '10:00', end: '13:00', weekdays: [1, 2, 3, 4, 5] });
    expect(legalWindowFor(table, 'FR-75')).toEqual({ start: '10:00', end: '13:00', weekdays: [1, 2, 3, 4, 5] });
    expect(legalWindowFor(table, 'US-FL')).toEqual({ start: '09:00', end: '20:00', weekdays: EVERY_DAY });
    expect(legalWindowFor(table, 'US')).toEqual({ start: '08:00', end: '21:00', weekdays: EVERY_DAY });
  });

  it('refuse to widen the law, naming the market', () => {
    const attempt = () =>
      deploymentLegalSendWindows([
        { market: 'FR', start: '08:00', end: '20:00' },
        { market: 'US-TX', start: '07:30', end: '21:00' },
        { market: 'US-FL', start: '08:00', end: '21:00' },
      ]);
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).details.map((d) => `${d.path}: ${d.message}`)).toEqual([
        '[1]: US-TX 07:30–21:00 every day would widen its legal send window (08:00–21:00 every day): a deployment may add a market or narrow one, never widen one',
        '[2]: US-FL 08:00–21:00 every day would widen its legal send window (08:00–20:00 every day): a deployment may add a market or narrow one, never widen one',
      ]);
    }
  });

  it('refuse a window that does not open, or a market listed twice', () => {
    expect(() => deploymentLegalSendWindows([{ market: 'FR', start: '20:00', end: '08:00' }])).toThrow(ValidationError);
    expect(() =>
      deploymentLegalSendWindows([
        { market: 'FR', start: '08:00', end: '20:00' },
        { market: 'FR', start: '09:00', end: '20:00' },
      ]),
    ).toThrow(ValidationError);
  });

  it('reach the engine: a market added in settings narrows what is sent there', async () => {
    // Prepare: a policy open day and night; the deployment adds France, mornings on weekdays.
    const wide = parsePolicy({ ...structuredClone(telecomPortOut), id: 'wide', sendWindow: ALWAYS });
    const france = { start: '10:00', end: '13:00', weekdays: [1, 2, 3, 4, 5] };
    const customers = [...new Set(Array.from({ length: 12 }, (_, i) => customerIdIn('treatment', wide, `fr-${i}`)))];
    /** When each SMS to the French customers went out, under these policies. */
    const sendInstants = async (policies: PolicyRegistry): Promise<number[]> => {
      const deps = makeDeps({ policies });
      for (const [i, customerId] of customers.entries()) {
        const reach = { contacts: { phone: '+33612345678' }, consents: { sms: true, email: false, push: false } };
        await ingestEvent(deps, churnEvent({ customerId, eventId: `fr-${i}`, timezone: 'Europe/Paris', market: 'FR', ...reach }));
      }
      await runUntil(deps, deps.scheduler, day(130));
      const touches = (await Promise.all(customers.map((customerId) => touchesOf(deps, customerId)))).flat();
      return deps.channels.sms.sent.map((message) => Date.parse(touches.find((t) => t.touchId === message.touchId)!.sentAt!));
    };
    const inFrenchMornings = (atMs: number) => isInsideSendWindow(atMs, 'Europe/Paris', france);

    // Act
    const withFrance = await sendInstants(deploymentPolicies([wide], { legalSendWindows: [{ market: 'FR', ...france }] }));
    const withoutFrance = await sendInstants(deploymentPolicies([wide]));

    // Assess: every message in a French weekday morning, where without the setting some were not.
    expect(withFrance.length).toBeGreaterThan(customers.length);
    expect(withFrance.filter((atMs) => !inFrenchMornings(atMs))).toEqual([]);
    expect(withoutFrance.filter((atMs) => !inFrenchMornings(atMs)).length).toBeGreaterThan(0);
  });
});
