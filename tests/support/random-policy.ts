import type { PolicyInput } from '#shared/domain/policy';
import { telecomPortOutV1 } from '#shared/domain/policies/telecom-port-out';

/** The default offers cover both angles for every exit reason, tier and variant. */
export const ANGLES = ['fix', 'offer'] as const;

export interface PolicyShape {
  quietDays: number;
  /** Each touch starts `gap` days after the previous one ends and lasts `length` more days. */
  touches: ReadonlyArray<{ gap: number; length: number }>;
  /** Days of horizon after the last touch's window. */
  extraHorizon: number;
}

/**
 * A valid policy input for property tests: the port-out preset (version 1: no escalation, so
 * every journey is the automated programme these tests are about) with its touches laid out in
 * order from `quietDays` (angles alternating, so consecutive touches differ), the horizon just
 * past the last, and `fields` replacing anything else.
 */
export function policyFromShape({ quietDays, touches, extraHorizon }: PolicyShape, fields: Partial<PolicyInput> = {}): PolicyInput {
  let previousTo = quietDays - 1;
  const rules = touches.map(({ gap, length }, i) => {
    const dayFrom = previousTo + 1 + gap;
    previousTo = dayFrom + length;
    return { dayFrom, dayTo: previousTo, angle: ANGLES[i % 2]!, onlyIfNotReturned: true };
  });
  const horizonDays = Math.max(1, previousTo + extraHorizon);
  return {
    ...structuredClone(telecomPortOutV1),
    id: 'random-policy',
    quietDays,
    horizonDays,
    conversionWindowDays: Math.min(90, horizonDays),
    touches: rules,
    // Any channel may be drawn, WhatsApp too, which sends only approved templates.
    offers: telecomPortOutV1.offers.map((offer) => ({
      ...offer,
      whatsappTemplate: { name: `winback_${offer.id.replaceAll('-', '_')}`, parameters: ['{brand}'] },
    })),
    ...fields,
  };
}
