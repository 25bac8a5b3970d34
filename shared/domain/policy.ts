import type * as z from 'zod';
import { DAY_MS, ExitReason } from './vocabulary.ts';
import { ValidationError } from './errors.ts';
import { toFieldIssues } from './events.ts';
import { LEGAL_SEND_WINDOWS, marketWindowIssues, windowsOutsideLaw } from './legal-send-windows.ts';
import { PolicyFields } from './policy-fields.ts';
import { findOffer } from './policy-offers.ts';
import { textIssues } from './texts.ts';

export { findOffer, offerBudget, offerCost, type Offer, type OfferContext } from './policy-offers.ts';

/** The least a customer can pay in a month, for checking that every customer has an offer within the margin cap. */
const SMALLEST_REVENUE = 1e-6;

type Fields = z.output<typeof PolicyFields>;
type Issue = [path: PropertyKey[], message: string];

/** A policy: its fields (policy-fields.ts, each documented) and the rules between them. */
export const PolicySchema = PolicyFields.superRefine((policy, ctx) => {
  for (const [path, message] of policyIssues(policy)) ctx.addIssue({ code: 'custom', path, message });
});

/** What is wrong between a policy's fields, each with the path of the field at fault. */
function policyIssues(policy: Fields): Issue[] {
  const issues: Issue[] = [];
  const issue = (path: PropertyKey[], message: string) => issues.push([path, message]);
  if (policy.sendWindow.start >= policy.sendWindow.end) issue(['sendWindow', 'end'], 'must be after sendWindow.start');
  for (const { path, message } of marketWindowIssues(policy.markets)) issue(['markets', ...path], message);
  for (const { path, message } of windowsOutsideLaw(policy.markets, LEGAL_SEND_WINDOWS)) issue(['markets', ...path], message);
  if (policy.conversionWindowDays > policy.horizonDays) issue(['conversionWindowDays'], 'must not exceed horizonDays');
  touchIssues(policy, issue);
  if (policy.lapse && !policy.churnKinds.includes('lapse')) issue(['lapse'], 'needs "lapse" in churnKinds');
  const routes = policy.escalation?.routes ?? [];
  if (routes.length > 0 && routes.at(-1)!.accountTypes)
    issue(['escalation', 'routes', routes.length - 1], 'the last route must take every account type (no accountTypes)');
  const lastTier = policy.tiers.at(-1);
  if (lastTier && (lastTier.minMonthlyRevenue > 0 || lastTier.minTenureMonths > 0)) {
    issue(['tiers', policy.tiers.length - 1], 'the last tier must match everyone (zero thresholds)');
  }
  policy.offers.forEach((offer, i) => {
    // Journeys and error messages name an offer by its id: two offers with one id would be one.
    if (policy.offers.findIndex((o) => o.id === offer.id) !== i) issue(['offers', i, 'id'], `offer id "${offer.id}" is used twice`);
  });
  // Each language's text: as an SMS with its footer within smsMaxParts, a footer in its language.
  for (const { path, message } of textIssues(policy)) issue(path, message);
  offerCoverageIssues(policy, issue);
  return issues;
}

/** Touch windows in order, inside the quiet days and the horizon, each angle different from the previous one. */
function touchIssues(policy: Fields, issue: (path: PropertyKey[], message: string) => void): void {
  policy.touches.forEach((touch, i) => {
    if (touch.dayFrom < policy.quietDays) issue(['touches', i, 'dayFrom'], `must be at least quietDays (${policy.quietDays})`);
    if (touch.dayTo < touch.dayFrom) issue(['touches', i, 'dayTo'], 'must not be before dayFrom');
    if (touch.dayTo > policy.horizonDays) issue(['touches', i, 'dayTo'], `must not exceed horizonDays (${policy.horizonDays})`);
    const previous = policy.touches[i - 1];
    if (previous && touch.dayFrom <= previous.dayTo) issue(['touches', i, 'dayFrom'], 'must be after the previous touch window');
    if (previous && touch.angle === previous.angle) issue(['touches', i, 'angle'], 'must differ from the previous touch');
  });
  if (policy.clickFollowUp && policy.clickFollowUp.afterDays > policy.horizonDays)
    issue(['clickFollowUp', 'afterDays'], `must not exceed horizonDays (${policy.horizonDays})`);
}

/**
 * Every touch (and the click follow-up) must have an offer for every exit reason, tier and
 * variant it can meet; under a margin cap, one within the cap of the smallest customer (a fixed
 * cost above 0 is over it, a share of their own revenue may not be).
 */
function offerCoverageIssues(policy: Fields, issue: (path: PropertyKey[], message: string) => void): void {
  const angles: Array<[PropertyKey[], string]> = policy.touches.map((touch, i) => [['touches', i, 'angle'], touch.angle]);
  if (policy.clickFollowUp) angles.push([['clickFollowUp', 'angle'], policy.clickFollowUp.angle]);
  angles.forEach(([path, angle]) => {
    for (const exitReason of ExitReason.options)
      for (const tier of policy.tiers)
        for (const variant of policy.variants)
          if (!findOffer(policy, { angle, exitReason, tier: tier.name, variant: variant.id, monthlyRevenue: SMALLEST_REVENUE })) {
            const free = policy.offerCap ? ' within the margin cap of every customer (offerCap: end with one that costs nothing)' : '';
            issue(path, `no offer${free} for angle "${angle}", exit reason "${exitReason}", tier "${tier.name}", variant "${variant.id}"`);
            return;
          }
  });
}

export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type TouchRule = Policy['touches'][number];

/** The first instant after the journey's horizon: nothing is sent from then on, and the journey has ended. */
export function horizonEndMs(policy: Pick<Policy, 'horizonDays'>, churnedAtMs: number): number {
  return churnedAtMs + (policy.horizonDays + 1) * DAY_MS;
}

/** Validates a policy document; a bad one fails with every field at fault named. */
export function parsePolicy(input: unknown): Policy {
  const result = PolicySchema.safeParse(input);
  if (!result.success) throw new ValidationError('invalid policy', toFieldIssues(result.error));
  return result.data;
}
