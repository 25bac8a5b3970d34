import type { PolicyInput } from '../policy.ts';
import { released } from './released.ts';

/**
 * Telecom port-out (MNP), version 1. 10–20% of port-outs are recoverable within 60–90
 * days. Nobody is contacted in the first 30 days (they are still happy with the new
 * operator); touch 1 answers the reason they left, touch 2 makes a concrete offer.
 *
 * Version 1 planned every churn kind. Retired: it only finishes the journeys planned with it.
 * Released: frozen. A change is a new version in a file of its own.
 */
export const telecomPortOutV1: PolicyInput = released({
  id: 'telecom-port-out',
  version: '1',
  description: 'Telecom port-out (MNP): two SMS-first touches in days 30–45 and 60–90.',
  brand: 'Winback Mobile',
  currency: 'EUR',
  churnKinds: ['port_out', 'cancellation', 'lapse'],
  horizonDays: 120,
  quietDays: 30,
  conversionWindowDays: 90,
  touches: [
    { dayFrom: 30, dayTo: 45, angle: 'fix', onlyIfNotReturned: true },
    { dayFrom: 60, dayTo: 90, angle: 'offer', onlyIfNotReturned: true },
  ],
  sendWindow: { start: '10:00', end: '19:00', weekdays: [1, 2, 3, 4, 5, 6] },
  frequencyCap: { maxMessages: 1, perHours: 168, maxPerJourney: 2 },
  channels: ['sms', 'email', 'push'],
  eligibility: { maxPriorChurns: 2, excludeAfterWinback: true, minMonthlyRevenue: 5 },
  tiers: [
    { name: 'high', minMonthlyRevenue: 60, minTenureMonths: 24 },
    { name: 'mid', minMonthlyRevenue: 25, minTenureMonths: 0 },
    { name: 'standard', minMonthlyRevenue: 0, minTenureMonths: 0 },
  ],
  holdout: { percent: 10, salt: 'telecom-port-out/1' },
  variants: [
    { id: 'A', weight: 1 },
    { id: 'B', weight: 1 },
  ],
  smsFooter: 'Reply STOP to opt out.',
  // Every text below fits one SMS part with the footer: a second part would double the bill.
  smsMaxParts: 1,
  offers: [
    {
      id: 'fix-coverage',
      angle: 'fix',
      exitReasons: ['coverage'],
      text: '{brand}: since you left we switched on new masts near you, so your coverage is better now. Porting your number back is free.',
      subject: 'Coverage in your area has improved',
      cost: 0,
    },
    {
      id: 'fix-price',
      angle: 'fix',
      exitReasons: ['price'],
      text: '{brand}: a SIM-only plan sized to your usage now costs less than you paid us. Porting your number back is free.',
      subject: 'A plan sized to your usage costs less now',
      cost: 0,
    },
    {
      id: 'fix-support',
      angle: 'fix',
      exitReasons: ['support'],
      text: '{brand}: returning customers now get a named advisor and a call back within 2 hours. Porting your number back is free.',
      subject: 'A named advisor, a call back within 2 hours',
      cost: 0,
    },
    {
      id: 'fix-tariff',
      angle: 'fix',
      exitReasons: ['tariff_complexity'],
      text: '{brand}: we cut our range to three plain plans: no add-ons, no surprises on the bill. Porting your number back is free.',
      subject: 'Three plain plans, no surprises',
      cost: 0,
    },
    {
      id: 'fix-moved',
      angle: 'fix',
      exitReasons: ['moved'],
      text: '{brand}: new address? Check our coverage there in one tap; if it is good, come back. Porting your number back is free.',
      subject: 'Check our coverage at your new address',
      cost: 0,
    },
    {
      id: 'fix-listen',
      angle: 'fix',
      exitReasons: ['other', 'unknown'],
      text: '{brand}: tell us what went wrong: reply and a real person will call you back. Porting your number back is free.',
      subject: 'Tell us what went wrong',
      cost: 0,
    },
    {
      id: 'offer-profile-high',
      angle: 'offer',
      tiers: ['high'],
      text: '{brand}: a tariff built for your profile: first month free, port back free, and a priority line to our team.',
      subject: 'A tariff built for you, first month free',
      cost: 40,
    },
    {
      id: 'offer-profile',
      angle: 'offer',
      variants: ['A'],
      text: '{brand}: a tariff built for your profile: first month free, and port back free.',
      subject: 'A tariff built for you, first month free',
      cost: 20,
    },
    {
      id: 'offer-usage',
      angle: 'offer',
      variants: ['B'],
      text: '{brand}: a plan that fits how you use your phone. Your first month is on us, and your number moves back free.',
      subject: 'A plan that fits how you use your phone',
      cost: 20,
    },
  ],
});
