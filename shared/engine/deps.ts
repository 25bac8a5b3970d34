import type { PolicyRegistry } from '#shared/domain/policy-registry';
import type { PriceTable } from '#shared/domain/pricing';
import type { TrackedLinks } from '#shared/domain/tracked-link';
import type { Clock } from '#shared/ports/clock';
import type { CustomerStore } from '#shared/ports/customer-store';
import type { EngineLogger } from '#shared/ports/logger';
import type { MessageChannels } from '#shared/ports/message-channel';
import type { EngineMetrics } from '#shared/ports/metrics';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';

/** Everything the use cases need from the world, wired once per process (cold start). */
export interface EngineDeps {
  store: CustomerStore;
  scheduler: TouchScheduler;
  channels: MessageChannels;
  clock: Clock;
  policies: PolicyRegistry;
  /** What each message costs: priced when it is sent, in its policy's currency (the settings' `prices`). */
  prices: PriceTable;
  logger: EngineLogger;
  /** Key for pseudonymous customer ids kept after erasure and in KPI output. */
  idHashKey: string;
  /**
   * Where send outcomes are counted for the operations dashboard.
   * @default undefined (nothing counted: the local runner and tests)
   */
  metrics?: EngineMetrics;
  /**
   * Where a text's `{link}` points (`<baseUrl>/r/<token>`) and the key that seals its token; set
   * where links can be followed (the send function, the local runner). Absent: a `{link}` is the
   * offer's own URL, untracked, or dropped.
   */
  links?: TrackedLinks;
}

/** A record can be changed by two requests at once; the loser re-reads and tries again. */
export const MAX_CONCURRENT_RETRIES = 8;
