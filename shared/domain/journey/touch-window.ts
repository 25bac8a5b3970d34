import { horizonEndMs, type Policy } from '../policy.ts';
import { DAY_MS } from '../vocabulary.ts';
import type { MessageTouch } from './record.ts';

/** When a touch may go out, in days since the churn, and whether a return stops it. */
export type TouchRule = Pick<Policy['touches'][number], 'dayFrom' | 'dayTo' | 'angle' | 'onlyIfNotReturned'>;

/**
 * The rule a message touch follows: the policy's touch at its index, or for the click follow-up
 * an open window from the quiet days to the horizon. Undefined when the policy has no such touch.
 */
export function touchRule(policy: Policy, touch: MessageTouch): TouchRule | undefined {
  if (touch.kind === 'policy') return policy.touches[touch.index];
  const followUp = policy.clickFollowUp;
  return followUp ? { dayFrom: policy.quietDays, dayTo: policy.horizonDays, angle: followUp.angle, onlyIfNotReturned: true } : undefined;
}

/**
 * The end of day `day` after the churn, exclusive: day N runs from `churn + N·24h` to
 * `churn + (N+1)·24h`. Days count whole 24-hour periods from the churn instant (day 0 is the
 * first), for touch windows, the conversion window and `days_to_return` alike.
 */
export function dayEndMs(churnedAtMs: number, day: number): number {
  return churnedAtMs + (day + 1) * DAY_MS;
}

/**
 * The one meaning of a touch's days, for planning and sending alike: from the start of day
 * `dayFrom` after the churn to the end of day `dayTo`, never past the policy's horizon.
 */
export function touchWindow(policy: Pick<Policy, 'horizonDays'>, churnedAtMs: number, rule: Pick<TouchRule, 'dayFrom' | 'dayTo'>) {
  return {
    startMs: churnedAtMs + rule.dayFrom * DAY_MS,
    endMs: Math.min(dayEndMs(churnedAtMs, rule.dayTo), horizonEndMs(policy, churnedAtMs)),
  };
}
