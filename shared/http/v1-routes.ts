import * as z from 'zod';
import { ValidationError } from '#shared/domain/errors';
import { Identifier, MAX_BATCH_EVENTS, parseEvent, toFieldIssues } from '#shared/domain/events';
import { TeamName } from '#shared/domain/vocabulary';
import type { EngineDeps } from '#shared/engine/deps';
import { eventRef } from '#shared/engine/event-change';
import { ingestBatch, ingestEvent } from '#shared/engine/ingest-event';
import { eraseCustomer, viewCustomer } from '#shared/engine/customer-admin';
import { listTasks, MAX_TASKS_LISTED } from '#shared/engine/retention-tasks';
import type { Route } from './http-types.ts';

const BatchEnvelope = z.object({
  events: z.array(z.unknown()).min(1, 'must hold at least one event').max(MAX_BATCH_EVENTS, `must hold at most ${MAX_BATCH_EVENTS} events`),
});

const TaskQuery = z.object({
  team: TeamName.optional(),
  status: z.enum(['open', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(MAX_TASKS_LISTED).default(100),
});

function customerId(params: Record<string, string>): string {
  const result = Identifier.safeParse(params.customerId);
  if (!result.success)
    throw new ValidationError(
      'invalid customer id',
      toFieldIssues(result.error).map((i) => ({ ...i, path: 'customerId' })),
    );
  return result.data;
}

/** The public v1 API (DESIGN.md): the same routes in Lambda and in the local runner. */
export function v1Routes(deps: EngineDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handler: async () => ({ status: 200, body: { status: 'ok' } }),
    },
    {
      method: 'POST',
      path: '/v1/events',
      handler: async ({ json }) => {
        if (json !== null && typeof json === 'object' && !Array.isArray(json) && 'events' in json) {
          const batch = BatchEnvelope.safeParse(json);
          if (!batch.success) throw new ValidationError('invalid batch', toFieldIssues(batch.error));
          const results = (await ingestBatch(deps, batch.data.events)).map((result) =>
            result.eventId === undefined ? result : { ...result, eventRef: eventRef(deps, result.eventId) },
          );
          const count = (status: string) => results.filter((r) => r.status === status).length;
          const body = {
            accepted: count('accepted'),
            duplicate: count('duplicate'),
            rejected: count('rejected'),
            failed: count('failed'),
            results,
          };
          // Some valid events were not stored: 503 tells the caller to retry, and resending the
          // whole batch is as safe as resending the failed events (the stored ones answer duplicate).
          if (body.failed > 0)
            return {
              status: 503,
              body: {
                ...body,
                error: { code: 'retry_failed_events', message: 'some events were not stored; send them again', details: [] },
              },
            };
          return { status: 200, body };
        }
        const parsed = parseEvent(json);
        if (!parsed.ok) throw new ValidationError('invalid event', parsed.issues);
        const result = await ingestEvent(deps, parsed.event);
        return { status: result.status === 'accepted' ? 202 : 200, body: { ...result, eventRef: eventRef(deps, result.eventId) } };
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/{customerId}',
      handler: async ({ params }) => ({ status: 200, body: await viewCustomer(deps, customerId(params)) }),
    },
    {
      method: 'GET',
      path: '/v1/tasks',
      handler: async ({ query }) => {
        const parsed = TaskQuery.safeParse(query ?? {});
        if (!parsed.success) throw new ValidationError('invalid query', toFieldIssues(parsed.error));
        return { status: 200, body: { tasks: await listTasks(deps, parsed.data) } };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/customers/{customerId}',
      handler: async ({ params }) => {
        const id = customerId(params);
        const { erased } = await eraseCustomer(deps, id);
        return { status: 200, body: { customerId: id, status: erased ? 'erased' : 'not_found_nothing_to_erase' } };
      },
    },
  ];
}
