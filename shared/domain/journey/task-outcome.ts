import type { TaskOutcome } from '../events.ts';
import { assertUnreachable } from '../exhaustive.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { type CustomerRecord, iso, isTaskOpen, log, ms } from './record.ts';
import { planTaskNotice } from './planning.ts';
import { markReturned } from './returns.ts';
import { cancelPending, type Effects, MIN_LEAD_MS } from './timers.ts';

/**
 * A retention team reports on a task: `retained` ends the journey as a return, `ported_away`
 * closes the task (automated touches planned `before` it still go), `follow_up` plans the task's
 * next notice at the time agreed with the customer. A closed task takes no further outcome.
 */
export function onTaskOutcome(record: CustomerRecord, event: TaskOutcome, nowMs: number, policies: PolicyRegistry, effects: Effects): void {
  const journey = record.journeys.find((j) => j.task?.taskId === event.taskId);
  const task = journey?.task;
  const at = event.occurredAt;
  if (!journey || !task) {
    log(record, { at, decision: 'recorded', reason: 'outcome_for_unknown_task', eventId: event.eventId });
    return;
  }
  const where = { eventId: event.eventId, journeyId: journey.journeyId };
  if (!isTaskOpen(task)) {
    log(record, { at, decision: 'recorded', reason: `task_already_${task.status}`, ...where });
    return;
  }
  task.outcomes.push({
    outcome: event.outcome,
    at,
    ...(event.followUpAt ? { followUpAt: event.followUpAt } : {}),
    ...(event.reason ? { reason: event.reason } : {}),
  });
  if (event.reason) task.reason = event.reason;
  log(record, { at, decision: 'recorded', reason: `task:${event.outcome}`, ...where });
  cancelPending(record, journey, `task_${event.outcome}`, at, effects, 'task');
  switch (event.outcome) {
    case 'retained':
      task.status = 'retained';
      if (journey.status === 'active') markReturned(record, journey, ms(at), event.eventId, policies, effects);
      break;
    case 'ported_away':
      task.status = 'ported_away';
      break;
    case 'follow_up': {
      const followUpAtMs = ms(event.followUpAt!);
      task.status = 'follow_up';
      task.dueAt = iso(followUpAtMs);
      planTaskNotice(record, journey, Math.max(followUpAtMs, nowMs + MIN_LEAD_MS), nowMs, policies.pseudonyms, effects);
      break;
    }
    default:
      assertUnreachable(event.outcome, 'unknown task outcome');
  }
}
