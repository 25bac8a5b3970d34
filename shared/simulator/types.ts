import type { Channel } from '#shared/domain/channels';
import type { WinbackEvent } from '#shared/domain/events';
import type { MarketWindowInput } from '#shared/domain/legal-send-windows';
import type { Policy } from '#shared/domain/policy';
import type { PriceTable } from '#shared/domain/pricing';
import type { Assumptions } from './assumptions.ts';

/** A cohort's events, each customer's in time order, duplicates (a repeated `eventId`) left out. */
export interface CustomerEvents {
  customers: Array<{ customerId: string; events: WinbackEvent[] }>;
  duplicates: number;
}

/** What a simulation runs with, as data (a thread gets a copy). */
export interface SimulationSettings {
  policies: readonly Policy[];
  assumptions: Assumptions;
  /** The channels the simulated deployment has adapters for (AWS: SMS and e-mail). */
  channels: readonly Channel[];
  /** What each message costs: the engine prices it when it is sent, as in a deployment. */
  prices: PriceTable;
  /** The deployment's legal send windows beyond the embedded ones. */
  legalSendWindows?: readonly MarketWindowInput[] | undefined;
  /**
   * Where the texts' tracked links point, so a `{link}` is priced at its length as sent.
   * @default SIMULATED_LINK_BASE_URL, a short domain of the length the policy check assumes
   */
  linkBaseUrl?: string | undefined;
}

/** A simulation's settings and the customers it runs. */
export interface SimulationData extends SimulationSettings {
  customers: CustomerEvents['customers'];
}
