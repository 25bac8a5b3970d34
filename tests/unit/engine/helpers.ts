import type { CustomerRecord, Journey, Touch } from '#shared/domain/journey/record';
import type { TouchDue } from '#shared/domain/journey/timers';
import { DAY_MS } from '#shared/domain/vocabulary';
import type { TestDeps } from '../../support/fakes.ts';

/** The churn instant of the fixture (a Monday, 09:00 in London), and day N of its journey. */
export const T0 = Date.parse('2026-01-05T09:00:00Z');
export const day = (n: number): number => T0 + n * DAY_MS;
export const iso = (ms: number): string => new Date(ms).toISOString();

/** The stored record; fails the test if there is none. */
export async function recordOf(deps: TestDeps, customerId: string): Promise<CustomerRecord> {
  const record = await deps.store.get(customerId);
  if (!record) throw new Error(`no record for ${customerId}`);
  return record;
}

/** The customer's latest journey. */
export async function journeyOf(deps: TestDeps, customerId: string): Promise<Journey> {
  const journey = (await recordOf(deps, customerId)).journeys.at(-1);
  if (!journey) throw new Error(`no journey for ${customerId}`);
  return journey;
}

/** The latest journey's touches, in order. */
export async function touchesOf(deps: TestDeps, customerId: string): Promise<Touch[]> {
  return (await journeyOf(deps, customerId)).touches;
}

/** What the touch's current timer would deliver. */
export function dueOf(customerId: string, touch: Touch): TouchDue {
  return { customerId, touchId: touch.touchId, timerName: touch.timerName };
}
