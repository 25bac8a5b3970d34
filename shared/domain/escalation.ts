import * as z from 'zod';
import { FormulaError, parseFormula, type ValueFormula } from './value-formula.ts';
import { doc } from './field-doc.ts';
import { TeamName } from './vocabulary.ts';

/** A value formula (see value-formula.ts), checked when the policy is. */
const Formula = z
  .string()
  .min(1)
  .max(500)
  .superRefine((source, ctx) => {
    try {
      formulaOf(source);
    } catch (error) {
      if (!(error instanceof FormulaError)) throw error;
      ctx.addIssue({ code: 'custom', message: `not a valid formula: ${error.message}` });
    }
  });

/**
 * High-value accounts go to people: an account whose value (the formula, over `monthlyRevenue`,
 * `tenureMonths`, `priorChurns` and the churn event's numeric `attributes`) is at least
 * `threshold` gets a retention task for the team its account type routes to, `instead` of the
 * automated touches or `before` them.
 */
export const EscalationSchema = z.object({
  value: Formula.meta(
    doc(
      'The account’s value: a formula (`+ - * /`, parentheses, numbers) over `monthlyRevenue`, `tenureMonths`, `priorChurns` and the churn’s numeric `attributes`.',
    ),
  ),
  threshold: z.number().finite().meta(doc('An account whose value is at least this is escalated.', 'the formula’s unit')),
  mode: z
    .enum(['instead', 'before'])
    .default('instead')
    .meta(doc('`instead`: the task replaces the automated touches; `before`: the touches follow it.')),
  routes: z
    .array(
      z.object({
        team: TeamName.meta(doc('The retention team that gets the task.')),
        accountTypes: z
          .array(z.string().min(1).max(64))
          .min(1)
          .optional()
          .meta(doc('Account types (the churn’s `accountType`) this route takes; absent: every other one.')),
      }),
    )
    .min(1)
    .meta(doc('Which team gets the task; first match wins, and the last route, without `accountTypes`, takes every other account.')),
  dueAfterDays: z
    .number()
    .int()
    .nonnegative()
    .max(90)
    .default(2)
    .meta(doc('The task is due this long after the churn (or at once, if that has passed).', 'days')),
  /**
   * This share (%) of escalated accounts gets no task and no message: the retention team's own
   * control group, so its lift can be measured. Drawn by a hash of the customer with the
   * holdout's salt, apart from the programme's holdout. Absent: 0, off (and released policies
   * parse as they did).
   */
  holdoutPercent: z
    .number()
    .min(0)
    .max(50)
    .optional()
    .meta(
      doc(
        'Share of escalated accounts that get no task and no message: the retention team’s own control group, so its lift can be measured. Absent: off.',
        'percent',
      ),
    ),
});

export type Escalation = z.output<typeof EscalationSchema>;

/** Parsed formulas by source: a policy's formula is parsed when it is validated, not again for every churn. There are as many as loaded policies. */
const formulas = new Map<string, ValueFormula>();
function formulaOf(source: string): ValueFormula {
  const formula = formulas.get(source) ?? parseFormula(source);
  formulas.set(source, formula);
  return formula;
}

/**
 * The value the policy's escalation formula gives this account, or undefined when it reads a
 * number the customer does not have. Names resolve to the profile's numbers, then to numeric
 * attributes.
 */
export function accountValue(
  escalation: Pick<Escalation, 'value'>,
  account: {
    monthlyRevenue: number;
    tenureMonths: number;
    priorChurns: number;
    attributes?: Record<string, string | number | boolean> | undefined;
  },
): number | undefined {
  const known: Record<string, number> = {
    monthlyRevenue: account.monthlyRevenue,
    tenureMonths: account.tenureMonths,
    priorChurns: account.priorChurns,
  };
  return formulaOf(escalation.value).evaluate((name) => {
    if (Object.hasOwn(known, name)) return known[name];
    const attribute = account.attributes && Object.hasOwn(account.attributes, name) ? account.attributes[name] : undefined;
    return typeof attribute === 'number' ? attribute : undefined;
  });
}

/** The team a task for this account type goes to: the first route that lists it, else the catch-all. */
export function teamFor(escalation: Pick<Escalation, 'routes'>, accountType: string): string {
  return (escalation.routes.find((route) => !route.accountTypes || route.accountTypes.includes(accountType)) ?? escalation.routes.at(-1)!)
    .team;
}
