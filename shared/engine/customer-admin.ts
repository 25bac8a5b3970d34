import { pendingTimers } from '#shared/domain/journey/timers';
import { erasedFacts } from '#shared/domain/erasure';
import { ConcurrentUpdateError, NotFoundError } from '#shared/domain/errors';
import { toCustomerView, type CustomerView } from '#shared/domain/view';
import { MAX_CONCURRENT_RETRIES, type EngineDeps } from './deps.ts';
import { cancelTimers } from './timers.ts';

/** The customer's journey, touches and decision log. */
export async function viewCustomer(deps: EngineDeps, customerId: string): Promise<CustomerView> {
  const record = await deps.store.get(customerId);
  if (!record) throw new NotFoundError('no customer with this id');
  return toCustomerView(record, deps.clock.now(), deps.policies, deps.links);
}

/**
 * Erasure: personal data and pending timers go; only pseudonymous journey facts stay for KPIs.
 * Idempotent: erasing an unknown (or already erased) customer succeeds and changes nothing.
 */
export async function eraseCustomer(deps: EngineDeps, customerId: string): Promise<{ erased: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const record = await deps.store.get(customerId);
    if (!record) return { erased: false };
    try {
      await deps.store.erase(customerId, record.version, erasedFacts(record, deps.idHashKey, deps.clock.now()));
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && attempt < MAX_CONCURRENT_RETRIES) continue;
      throw error;
    }
    await cancelTimers(deps, pendingTimers(record));
    deps.logger.info('customer erased', { journeys: record.journeys.length });
    return { erased: true };
  }
}
