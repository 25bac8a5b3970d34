import { isTaskOpen, latestTask } from '#shared/domain/journey/record';
import { toTaskView, type TaskView } from '#shared/domain/journey/task-view';
import type { EngineDeps } from './deps.ts';

/** `open`: tasks still to work (open or waiting for a follow-up); `all`: closed ones too. */
export type TaskFilter = 'open' | 'all';

export const MAX_TASKS_LISTED = 500;

/**
 * The retention tasks a team works from, by due date: every team the policies route to, or one.
 * Each customer shows their latest task; earlier ones are in `GET /v1/customers/{id}`.
 */
export async function listTasks(
  deps: EngineDeps,
  query: { team?: string | undefined; status: TaskFilter; limit: number },
): Promise<TaskView[]> {
  const teams = query.team === undefined ? deps.policies.teams() : [query.team];
  const perTeam = await Promise.all(teams.map((team) => deps.store.withTasksFor(team, query.limit)));
  return perTeam
    .flat()
    .flatMap((record) => {
      const found = latestTask(record);
      if (!found || (query.status === 'open' && !isTaskOpen(found.task))) return [];
      const { currency } = deps.policies.get(found.journey.policyId, found.journey.policyVersion);
      return [toTaskView(record, found.journey, found.task, currency)];
    })
    .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.customerId < b.customerId ? -1 : 1))
    .slice(0, query.limit);
}
