import type { Channel } from '#shared/domain/channels';
import type { PriceTable } from '#shared/domain/pricing';
import type { Assumptions } from './assumptions.ts';
import type { Cohort } from './cohort.ts';
import type { PolicySummary } from './summary.ts';

/** summary.json: the cohort, what was assumed, and each policy's figures side by side (docs/simulator.md). */
export interface SimulationSummary {
  cohort: {
    file: string;
    format: 'jsonl' | 'csv';
    /** Valid events read, and lines left out as invalid. */
    events: number;
    rejected: number;
    /** Events whose `eventId` came before: replays, simulated once. */
    duplicates: number;
    customers: number;
    /** The first and last event's `occurredAt` (UTC). */
    from: string | null;
    to: string | null;
  };
  /** The channels the simulated deployment has adapters for. */
  channels: readonly Channel[];
  /** The price table messages were priced with: its currency and the date of its prices. */
  prices: { currency: string; asOf: string | null };
  assumptions: Assumptions;
  policies: PolicySummary[];
}

export function buildSummary(input: {
  file: string;
  format: 'jsonl' | 'csv';
  cohort: Cohort;
  channels: readonly Channel[];
  prices: PriceTable;
  assumptions: Assumptions;
  policies: PolicySummary[];
}): SimulationSummary {
  const { events } = input.cohort;
  let from: number | undefined;
  let to: number | undefined;
  for (const event of events) {
    const at = Date.parse(event.occurredAt);
    if (from === undefined || at < from) from = at;
    if (to === undefined || at > to) to = at;
  }
  return {
    cohort: {
      file: input.file,
      format: input.format,
      events: events.length,
      rejected: input.cohort.rejected,
      duplicates: events.length - new Set(events.map((e) => e.eventId)).size,
      customers: new Set(events.map((e) => e.customerId)).size,
      from: from === undefined ? null : new Date(from).toISOString(),
      to: to === undefined ? null : new Date(to).toISOString(),
    },
    channels: input.channels,
    prices: { currency: input.prices.currency, asOf: input.prices.asOf ?? null },
    assumptions: input.assumptions,
    policies: input.policies,
  };
}
