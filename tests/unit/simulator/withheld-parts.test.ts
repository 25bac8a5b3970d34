import { describe, expect, it } from 'vitest';
import { CHANNELS } from '#shared/domain/channels';
import { PriceSettingsSchema } from '#shared/domain/default-prices';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { DEFAULT_ASSUMPTIONS } from '#shared/simulator/assumptions';
import { parseJsonlCohort } from '#shared/simulator/cohort';
import { simulate } from '#shared/simulator/simulate';
import { generateCohort } from '../../../scripts/cohort.ts';

/**
 * A control customer's withheld SMS is measured as the engine would have sent it: the offer in the
 * customer's language, with its footer and its tracked link. So a withheld message has the parts
 * a sent one of the same offer, language and link length has (the cohort's ids are all one length).
 */
describe('the parts of a withheld SMS', () => {
  it('equal those of a sent SMS of the same offer in the same language', async () => {
    const events = generateCohort({ customers: 400, seed: 11, days: 5 });
    const parts = new Map<string, { sent: Set<number>; withheld: Set<number> }>();
    await simulate(parseJsonlCohort(events.map((event) => JSON.stringify(event)).join('\n')).events, {
      policies: [parsePolicy(telecomPortOut)],
      assumptions: DEFAULT_ASSUMPTIONS,
      channels: CHANNELS,
      prices: PriceSettingsSchema.parse(undefined),
      onOutcome: (_, outcome) => {
        const locale = events.find((event) => event.customerId === outcome.customerId)?.locale;
        for (const message of outcome.journeys.flatMap((journey) => journey.messages)) {
          if (message.channel !== 'sms') continue;
          const key = `${message.offerId} ${locale}`;
          const seen = parts.get(key) ?? { sent: new Set<number>(), withheld: new Set<number>() };
          (message.withheld ? seen.withheld : seen.sent).add(message.parts);
          parts.set(key, seen);
        }
      },
    });
    const compared = [...parts].filter(([, seen]) => seen.sent.size > 0 && seen.withheld.size > 0);
    expect(compared.length).toBeGreaterThan(2);
    for (const [key, seen] of compared) expect([...seen.withheld], key).toEqual([...seen.sent]);
  });
});
