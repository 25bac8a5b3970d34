import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { formatPath, toFieldIssues } from './events.ts';
import { doc } from './field-doc.ts';
import type { SendWindow } from './send-window.ts';
import { Market } from './vocabulary.ts';

/** A local wall time, "HH:mm"; "24:00" means until midnight. */
export const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:mm (00:00–24:00)');

/** ISO weekday numbers: 1 = Monday … 7 = Sunday. */
export const Weekday = z.number().int().min(1).max(7);

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

/** A market's daily send window, [start, end) local time on `weekdays`: a law's, or a policy's narrowing of it. */
export const MarketWindow = z.object({
  /** ISO 3166-1 country (`US`) or ISO 3166-2 subdivision (`US-FL`), as upstream sends `market`. */
  market: Market.meta(doc('ISO 3166-1 country (`US`) or ISO 3166-2 subdivision (`US-FL`), as the churn event’s `market`.')),
  start: ClockTime.meta(doc('Opening time, local to the customer.', 'HH:mm')),
  end: ClockTime.meta(doc('Closing time, exclusive; `24:00` is midnight.', 'HH:mm')),
  weekdays: z.array(Weekday).min(1).default(EVERY_DAY).meta(doc('Days messages may go out on.', 'ISO weekdays, 1 = Monday')),
});
export type MarketWindow = z.output<typeof MarketWindow>;
export type MarketWindowInput = z.input<typeof MarketWindow>;

type Issue = { path: Array<string | number>; message: string };

/** What is wrong with a list of market windows: a window that does not open before it closes, a market listed twice. */
export function marketWindowIssues(windows: readonly MarketWindow[]): Issue[] {
  return windows.flatMap((window, i) => [
    ...(window.start >= window.end ? [{ path: [i, 'end'], message: 'must be after start' }] : []),
    ...(windows.findIndex((w) => w.market === window.market) !== i
      ? [{ path: [i, 'market'], message: `${window.market} is listed twice` }]
      : []),
  ]);
}

/** A table of legal send windows by market, each market listed once. */
export const LegalSendWindowsSchema = z.array(MarketWindow).superRefine((windows, ctx) => {
  for (const { path, message } of marketWindowIssues(windows)) ctx.addIssue({ code: 'custom', path, message });
});

/**
 * The legal send windows of a deployment, by market: the law, not a policy's choice. A policy
 * narrows them, never widens them.
 */
export type LegalSendWindows = readonly MarketWindow[];

/**
 * The legal windows Winback knows in every deployment. Operators add their own markets, or narrow
 * these, with the `legalSendWindows` setting.
 */
export const LEGAL_SEND_WINDOWS: LegalSendWindows = frozen(
  LegalSendWindowsSchema.parse([
    // TCPA, 47 CFR § 64.1200(c)(1): no telephone solicitation before 8 a.m. or after 9 p.m. at
    // the called party's location.
    { market: 'US', start: '08:00', end: '21:00' },
    // Florida Telephone Solicitation Act (FTSA), Fla. Stat. § 501.059(8)(a): 8 a.m. to 8 p.m.
    { market: 'US-FL', start: '08:00', end: '20:00' },
  ]),
);

/** The table, deeply frozen: the law of a deployment does not change while it runs. */
function frozen(table: MarketWindow[]): LegalSendWindows {
  for (const rule of table) {
    Object.freeze(rule.weekdays);
    Object.freeze(rule);
  }
  return Object.freeze(table);
}

/** Both windows at once: the later start, the earlier end, the days of both; undefined when they leave no hour. */
export function intersectWindows(window: SendWindow, rule: SendWindow): SendWindow | undefined {
  // Local times as "HH:mm" strings, so they compare as text.
  const start = rule.start > window.start ? rule.start : window.start;
  const end = rule.end < window.end ? rule.end : window.end;
  const weekdays = window.weekdays.filter((day) => rule.weekdays.includes(day));
  return start < end && weekdays.length > 0 ? { start, end, weekdays } : undefined;
}

/** Whether every instant of `inner` is inside `outer`. */
function isWithin(inner: SendWindow, outer: SendWindow): boolean {
  return inner.start >= outer.start && inner.end <= outer.end && inner.weekdays.every((day) => outer.weekdays.includes(day));
}

/** "08:00–20:00 every day", "10:00–19:00 on weekdays 1,2,3,4,5,6" (ISO, 1 = Monday). */
export function describeWindow(window: SendWindow): string {
  const days = EVERY_DAY.every((day) => window.weekdays.includes(day)) ? 'every day' : `on weekdays ${window.weekdays.join(',')}`;
  return `${window.start}–${window.end} ${days}`;
}

const ANY_TIME: SendWindow = { start: '00:00', end: '24:00', weekdays: EVERY_DAY };

/**
 * The legal window of a market: its country's rule and its subdivision's (`US`, and `US-FL` for a
 * Florida customer, who is bound by both laws), so a subdivision without a rule of its own falls
 * back to its country. Any time where no rule applies (or no market is known); undefined when
 * the rules that apply leave no hour at all.
 */
export function legalWindowFor(table: LegalSendWindows, market: string | undefined): SendWindow | undefined {
  if (market === undefined) return ANY_TIME;
  const country = market.split('-')[0];
  return table
    .filter((rule) => rule.market === country || rule.market === market)
    .reduce<SendWindow | undefined>((window, rule) => window && intersectWindows(window, rule), ANY_TIME);
}

/** Each policy market window that shares no hour with the legal window of its market: nothing could ever be sent there. */
export function windowsOutsideLaw(windows: readonly MarketWindow[], table: LegalSendWindows): Issue[] {
  return windows.flatMap((window, i) => {
    const law = legalWindowFor(table, window.market);
    // A window that never opens is refused for that already.
    if (window.start >= window.end || (law && intersectWindows(window, law))) return [];
    const legal = law ? describeWindow(law) : 'no hour at all';
    return [
      {
        path: [i],
        message: `${describeWindow(window)} lies entirely outside the legal send window of ${window.market} (${legal}): nothing could ever be sent there`,
      },
    ];
  });
}

/** Each operator window that would widen the legal window of its market. */
export function wideningIssues(base: LegalSendWindows, windows: readonly MarketWindow[]): Issue[] {
  return windows.flatMap((window, i) => {
    const law = legalWindowFor(base, window.market);
    if (law && isWithin(window, law)) return [];
    return [
      {
        path: [i],
        message: `${window.market} ${describeWindow(window)} would widen its legal send window (${law ? describeWindow(law) : 'no hour at all'}): a deployment may add a market or narrow one, never widen one`,
      },
    ];
  });
}

/**
 * The legal table of a deployment: `base` (the embedded one) with the operator's windows added,
 * each replacing the rule of its market if there is one. Refuses a window that would widen the
 * law, naming its market.
 */
export function deploymentLegalSendWindows(
  windows: readonly MarketWindowInput[],
  base: LegalSendWindows = LEGAL_SEND_WINDOWS,
): LegalSendWindows {
  const parsed = LegalSendWindowsSchema.safeParse(windows);
  if (!parsed.success) throw new ValidationError('invalid legal send windows', toFieldIssues(parsed.error));
  const widening = wideningIssues(base, parsed.data);
  if (widening.length > 0)
    throw new ValidationError(
      'legal send windows may only be added or narrowed',
      widening.map(({ path, message }) => ({ path: formatPath(path), code: 'custom', message })),
    );
  return [...base.filter((rule) => !parsed.data.some((w) => w.market === rule.market)), ...parsed.data];
}
