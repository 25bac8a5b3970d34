import { accountValue, teamFor } from '../escalation.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { newTask, planTaskNotice } from './planning.ts';
import { type CustomerRecord, findTouch, iso, isTaskOpen, log, policyOf } from './record.ts';
import { type Change, MIN_LEAD_MS, noEffects } from './timers.ts';

/**
 * Whether a customer who followed a touch's link may ask for a call back: the journey is still
 * running and its policy routes retention tasks to a team (`escalation`).
 */
export function canCallBack(record: CustomerRecord, touchId: string, policies: PolicyRegistry): boolean {
  const found = findTouch(record, touchId);
  if (!found || found.touch.kind === 'task_notice' || !record.profile) return false;
  return found.journey.status === 'active' && policyOf(policies, found.journey).escalation !== undefined;
}

/**
 * The customer asked to be called back, from the reactivation page a touch's link opened: the
 * journey's retention task opens for the team the policy routes the account to (as an escalation
 * would), due now, and its notice goes to the team. A task already open takes the request as is;
 * a closed one (the team had reported `ported_away`) opens again, its outcomes kept. Undefined
 * when no call back can be asked for ({@link canCallBack}).
 */
export function applyCallBack(
  current: CustomerRecord,
  touchId: string,
  eventId: string,
  nowMs: number,
  policies: PolicyRegistry,
): Change | undefined {
  if (!canCallBack(current, touchId, policies)) return undefined;
  const record = structuredClone(current);
  const effects = noEffects();
  const { journey } = findTouch(record, touchId)!;
  const profile = record.profile!;
  const escalation = policyOf(policies, journey).escalation!;
  const at = iso(nowMs);
  const where = { eventId, journeyId: journey.journeyId, touchId };
  log(record, { at, decision: 'received', reason: 'call_back', ...where });
  const task = journey.task;
  if (task && isTaskOpen(task)) {
    log(record, { at, decision: 'recorded', reason: 'call_back_task_already_open', ...where });
    return { record, effects };
  }
  const team = task?.team ?? teamFor(escalation, profile.accountType);
  if (task) Object.assign(task, { status: 'open', dueAt: at });
  else journey.task = { ...newTask(journey, team, accountValue(escalation, profile) ?? 0, nowMs, nowMs), origin: 'call_back' };
  log(record, { at, decision: 'escalated', reason: `${team}:call_back`, ...where });
  planTaskNotice(record, journey, nowMs + MIN_LEAD_MS, nowMs, policies.pseudonyms, effects);
  return { record, effects };
}
