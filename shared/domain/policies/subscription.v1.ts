import type { PolicyInput } from '../policy.ts';
import { released } from './released.ts';

/**
 * Subscription / e-commerce preset: cancellations and lapses (no activity for 60 days). E-mail
 * first, four touches on days 1, 7, 14 and 30, each offer stronger than the last, and every
 * offer capped by margin: it may cost at most a fifth of what the customer is expected to bring
 * in 12 months (monthly revenue × 12). A touch takes the first offer of its angle within that
 * cap, so each angle lists its richest offer first and ends with one that costs nothing. SMS
 * only with the customer's explicit consent. Accounts worth 6,000 a year get an account manager
 * first; the e-mails follow.
 *
 * Released: frozen. A change is a new version in a file of its own.
 */
export const subscriptionV1: PolicyInput = released({
  id: 'subscription',
  version: '1',
  description:
    'Subscriptions and e-commerce: e-mail first on days 1, 7, 14 and 30 with rising offers within a margin cap; lapse after 60 days without activity.',
  brand: 'Winback Club',
  currency: 'EUR',
  churnKinds: ['cancellation', 'lapse'],
  lapse: { afterDays: 60 },
  horizonDays: 60,
  quietDays: 1,
  conversionWindowDays: 60,
  touches: [
    { dayFrom: 1, dayTo: 1, angle: 'reminder', onlyIfNotReturned: true },
    { dayFrom: 7, dayTo: 7, angle: 'small', onlyIfNotReturned: true },
    { dayFrom: 14, dayTo: 14, angle: 'medium', onlyIfNotReturned: true },
    { dayFrom: 30, dayTo: 30, angle: 'best', onlyIfNotReturned: true },
  ],
  sendWindow: { start: '09:00', end: '20:00', weekdays: [1, 2, 3, 4, 5, 6, 7] },
  frequencyCap: { maxMessages: 1, perHours: 72, maxPerJourney: 4 },
  channels: ['email', 'sms'],
  // E-mail to a former customer rests on the soft opt-in of the sale, which fades; SMS needs a
  // consent the customer gave.
  consent: { email: { basis: 'soft_opt_in', expiresAfterDays: 730 }, sms: { basis: 'consent' } },
  eligibility: { maxPriorChurns: 3, excludeAfterWinback: false, minMonthlyRevenue: 0 },
  tiers: [{ name: 'standard', minMonthlyRevenue: 0, minTenureMonths: 0 }],
  holdout: { percent: 10, salt: 'subscription/1' },
  variants: [{ id: 'A', weight: 1 }],
  smsFooter: 'Reply STOP to opt out.',
  smsMaxParts: 1,
  offerCap: { maxShareOfValue: 0.2, valueMonths: 12 },
  escalation: {
    value: 'monthlyRevenue * 12',
    threshold: 6000,
    mode: 'before',
    routes: [{ team: 'account-management' }],
    dueAfterDays: 1,
  },
  offers: [
    {
      id: 'reminder-saved',
      angle: 'reminder',
      text: '{brand}: your account and preferences are saved as you left them. Restart in one click.',
      subject: 'Everything is saved: restart in one click',
      cost: 0,
    },
    {
      id: 'small-shipping',
      angle: 'small',
      text: '{brand}: come back this week and your next delivery ships free.',
      subject: 'Your next delivery ships free',
      cost: 5,
    },
    {
      id: 'small-new',
      angle: 'small',
      text: '{brand}: see what is new since you left, picked for what you liked.',
      subject: 'New since you left',
      cost: 0,
    },
    {
      id: 'medium-free-month',
      angle: 'medium',
      text: '{brand}: your first month back is free. Same plan, nothing to set up again.',
      subject: 'Your first month back is free',
      costMonths: 1,
    },
    {
      id: 'medium-shipping',
      angle: 'medium',
      text: '{brand}: restart this month and every delivery ships free until the end of it.',
      subject: 'Free shipping all month',
      cost: 5,
    },
    {
      id: 'medium-new',
      angle: 'medium',
      text: '{brand}: we changed what you told us about. See what is different now.',
      subject: 'What is different now',
      cost: 0,
    },
    {
      id: 'best-two-months-gift',
      angle: 'best',
      text: '{brand}: two months free and a welcome-back gift in your first box.',
      subject: 'Two months free and a gift',
      cost: 10,
      costMonths: 2,
    },
    {
      id: 'best-two-months',
      angle: 'best',
      text: '{brand}: our best offer: your next two months are free.',
      subject: 'Our best offer: two months free',
      costMonths: 2,
    },
    {
      id: 'best-free-month',
      angle: 'best',
      text: '{brand}: our best offer: your next month is free.',
      subject: 'Our best offer: a month free',
      costMonths: 1,
    },
    {
      id: 'best-last-call',
      angle: 'best',
      text: '{brand}: this is our last message. Your account stays saved if you want it back.',
      subject: 'Our last message',
      cost: 0,
    },
  ],
});
