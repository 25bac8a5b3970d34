import * as z from 'zod';
import { doc } from '#shared/domain/field-doc';
import { ExitReason } from '#shared/domain/vocabulary';

/**
 * What the simulator assumes about customers' answers (`--assume FILE`), for the projected
 * win-backs and costs. Every default is stated in docs/simulator.md with where it comes from: the
 * field's experience that 10–20% of port-outs are recoverable within 60–90 days (a programme of
 * two touches at the defaults brings back 15%, the middle of that range), that a customer is still
 * happy with the new operator in the first 30 days (a message then brings back fewer), and the
 * rule of thumb that a win-back may cost 10–15% of acquiring a customer. Replace them by your own control
 * group's figures as soon as you have them.
 */

const Rate = z.number().min(0).max(1);

const ResponseRule = z.strictObject({
  angle: z.string().min(1).optional().meta(doc('The touch angle (`touches[].angle`) the rule is for; absent: any.')),
  tier: z.string().min(1).optional().meta(doc('The value tier; absent: any.')),
  exitReason: ExitReason.optional().meta(doc('The exit reason; absent: any.')),
  fromDay: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .meta(doc('For messages sent on this day since the churn or later; absent: any.', 'days')),
  toDay: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .meta(doc('For messages sent on this day since the churn or earlier; absent: any.', 'days')),
  rate: Rate.meta(doc('Share of the customers still away when the message reaches them that it brings back.', 'share, 0–1')),
});

export const AssumptionsSchema = z.strictObject({
  costPerAcquisition: z
    .number()
    .positive()
    .default(150)
    .meta(doc('What acquiring a new customer costs (as the KPIs’ `costPerAcquisition`).', 'policy currency')),
  budgetShareOfCpa: z
    .strictObject({
      low: Rate.default(0.1).meta(doc('Lower end of the budget per win-back, as a share of the cost per acquisition.', 'share, 0–1')),
      high: Rate.default(0.15).meta(doc('Upper end.', 'share, 0–1')),
    })
    .default({ low: 0.1, high: 0.15 })
    .meta(doc('The budget per win-back: 10–15% of the cost per acquisition, the field’s rule of thumb.')),
  baselineReturnRate: z
    .strictObject({
      default: Rate.default(0.05).meta(
        doc('Share of churned customers who come back within the conversion window with no contact.', 'share, 0–1'),
      ),
      byExitReason: z.partialRecord(ExitReason, Rate).default({}).meta(doc('The same, per exit reason.', 'share, 0–1')),
    })
    .default({ default: 0.05, byExitReason: {} })
    .meta(doc('Returns that happen anyway: the control group’s rate.')),
  responseRates: z
    .array(ResponseRule)
    .default([{ rate: 0.054 }, { toDay: 29, rate: 0.02 }])
    .meta(
      doc(
        'Rate per message, by angle, tier, exit reason and day since the churn: the most specific matching rule wins (the one naming most of angle, tier, exit reason and a day range; ties: the first listed).',
      ),
    ),
  retentionTaskRate: z
    .number()
    .min(0)
    .max(1)
    .default(0.25)
    .meta(doc('Share of the escalated accounts still away that a retention team brings back.', 'share, 0–1')),
});

export type Assumptions = z.output<typeof AssumptionsSchema>;
export type AssumptionsInput = z.input<typeof AssumptionsSchema>;

/** The assumptions with nothing given: every default. */
export const DEFAULT_ASSUMPTIONS: Assumptions = AssumptionsSchema.parse({});

/** The baseline return rate of a customer who left for this reason. */
export function baselineRate(assumptions: Assumptions, exitReason: string): number {
  return assumptions.baselineReturnRate.byExitReason[exitReason as ExitReason] ?? assumptions.baselineReturnRate.default;
}

/** What a response rule is matched against: the message and its customer's segment. */
export interface MessageSegment {
  angle: string;
  tier: string;
  exitReason: string;
  daySinceChurn: number;
}

/** The response rate of one message: the most specific rule that matches it (0 when none does). */
export function responseRate(assumptions: Assumptions, message: MessageSegment): number {
  let best: { specificity: number; rate: number } | undefined;
  for (const rule of assumptions.responseRates) {
    if (rule.angle !== undefined && rule.angle !== message.angle) continue;
    if (rule.tier !== undefined && rule.tier !== message.tier) continue;
    if (rule.exitReason !== undefined && rule.exitReason !== message.exitReason) continue;
    if (rule.fromDay !== undefined && message.daySinceChurn < rule.fromDay) continue;
    if (rule.toDay !== undefined && message.daySinceChurn > rule.toDay) continue;
    const days = rule.fromDay !== undefined || rule.toDay !== undefined;
    const specificity =
      Number(rule.angle !== undefined) + Number(rule.tier !== undefined) + Number(rule.exitReason !== undefined) + Number(days);
    if (!best || specificity > best.specificity) best = { specificity, rate: rule.rate };
  }
  return best?.rate ?? 0;
}
