import type { PolicySummary } from '#shared/simulator/summary';
import type { SimulationSummary } from '#shared/simulator/summary-file';

/** `npm run simulate` for people: one column per policy, figures rounded (summary.json has them exact). */
export function renderSummaryText(summary: SimulationSummary): string {
  const policies = summary.policies;
  const rows: Array<[string, ...string[]]> = [['', ...policies.map((p) => p.policy)]];
  const row = (label: string, value: (p: PolicySummary) => string) => rows.push([label, ...policies.map(value)]);
  const union = (pick: (p: PolicySummary) => Record<string, unknown>) => [...new Set(policies.flatMap((p) => Object.keys(pick(p))))].sort();
  row('customers', (p) => count(p.customers));
  row('eligible', (p) => count(p.eligible));
  row('excluded', (p) => count(p.excluded.total));
  for (const reason of union((p) => p.excluded.byReason)) row(`  ${reason}`, (p) => count(p.excluded.byReason[reason] ?? 0));
  row('held out (control)', (p) => count(p.heldOut));
  row('escalated', (p) => count(p.escalated.total));
  for (const team of union((p) => p.escalated.byTeam)) row(`  team ${team}`, (p) => count(p.escalated.byTeam[team] ?? 0));
  row('messages sent', (p) => count(p.messages.sent));
  for (const channel of union((p) => p.messages.byChannel))
    row(`  ${channel}`, (p) => {
      const c = p.messages.byChannel[channel];
      return c ? `${count(c.messages)}${channel === 'sms' ? ` (${count(c.parts)} parts)` : ''}` : '0';
    });
  row('withheld (control)', (p) => count(p.messages.withheld));
  row('first send day since churn', (p) => String(p.messages.byDaySinceChurn[0]?.day ?? '–'));
  row('message cost', (p) => money(p.cost.messages, p.currency));
  row('offer cost (projected)', (p) => money(p.cost.offers, p.currency));
  row('cost per projected win-back', (p) => money(p.cost.perProjectedWinback, p.currency));
  row('  budget (10–15% of CPA)', (p) => `${money(p.cost.budgetPerWinback.low, p.currency)}–${money(p.cost.budgetPerWinback.high, '')}`);
  row('projected win-backs', (p) => decimal(p.projection.winbacks));
  row('incremental win-backs', (p) => decimal(p.projection.incrementalWinbacks));
  row('cost per incremental win-back', (p) => money(p.projection.costPerIncrementalWinback, p.currency));
  row('  of cost per acquisition', (p) => percent(p.projection.costPerIncrementalWinbackOfAcquisition));
  row('min. detectable lift (80% power)', (p) =>
    p.holdout.minimumDetectableLift === null ? '–' : `${decimal(p.holdout.minimumDetectableLift * 100)} pp`,
  );
  if (policies.some((p) => p.backtest)) {
    row('returns in the cohort', (p) => count(p.backtest?.returns ?? 0));
    row('  contacted before returning', (p) => count(p.backtest?.contactedBefore ?? 0));
    row('  returned before any contact', (p) => count(p.backtest?.returnedBeforeFirstContact ?? 0));
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

const count = (n: number) => n.toLocaleString('en');
const decimal = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const money = (n: number | null, currency: string) =>
  n === null ? '–' : `${n.toLocaleString('en', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}${currency ? ` ${currency}` : ''}`;
const percent = (n: number | null) => (n === null ? '–' : `${(n * 100).toFixed(1)}%`);
