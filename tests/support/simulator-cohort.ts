import { Pseudonyms } from '#shared/domain/pseudonyms';
import { DAY_MS } from '#shared/domain/vocabulary';
import { generateCohort } from '../../scripts/cohort.ts';
import { mulberry32 } from '../../scripts/seeded-random.ts';

/**
 * A fixed cohort that takes the simulator down most of the engine's paths, for the test that its
 * figures and every customer's outcome stay the same: the generator's port-outs (with returns),
 * some of them cancellations or lapses instead (the subscription policy's), and on top, drawn
 * from a fixed seed: consent withdrawn and given again, deliveries, clicks (a follow-up) and
 * bounces on the first touch, retention task outcomes, surveys after a return, activity (a lapse
 * timer, a return after a lapse churn), a second churn after a return, and replayed event ids.
 */
export function simulatorCohort(customers = 1200): Array<Record<string, unknown>> {
  const rand = mulberry32(20261206);
  const pseudonyms = new Pseudonyms();
  const base = generateCohort({ customers, seed: 42, returnShare: 0.2, days: 20 });
  const extra: Array<Record<string, unknown>> = [];
  const at = (ms: number) => new Date(ms).toISOString();
  for (const event of base) {
    if (event.type !== 'customer.churned') continue;
    const customerId = event.customerId as string;
    const churnedAtMs = Date.parse(event.occurredAt as string);
    const journeyId = pseudonyms.journeyId(event.eventId as string);
    const draw = rand();
    const id = (what: string) => `${what}-${customerId}`;
    if (draw < 0.1) {
      event.churnKind = 'cancellation';
      // A few above the subscription policy's escalation threshold: a task before the e-mails.
      if (draw < 0.02) event.monthlyRevenue = 640;
    } else if (draw < 0.16) {
      event.churnKind = 'cancellation';
      extra.push({ eventId: id('active'), type: 'customer.active', occurredAt: at(churnedAtMs - 20 * DAY_MS), customerId });
      extra.push({ eventId: id('active2'), type: 'customer.active', occurredAt: at(churnedAtMs + 95 * DAY_MS), customerId });
    } else if (draw < 0.24) {
      const channel = rand() < 0.7 ? 'sms' : 'email';
      extra.push({
        eventId: id('stop'),
        type: 'consent.changed',
        occurredAt: at(churnedAtMs + 40 * DAY_MS),
        customerId,
        channel,
        granted: false,
      });
      if (rand() < 0.5)
        extra.push({
          eventId: id('start'),
          type: 'consent.changed',
          occurredAt: at(churnedAtMs + 70 * DAY_MS),
          customerId,
          channel,
          granted: true,
        });
    } else if (draw < 0.36) {
      const kind = rand() < 0.6 ? 'clicked' : rand() < 0.5 ? 'delivered' : 'bounced';
      const touchId = `${journeyId}-1`;
      extra.push({ eventId: id(kind), type: 'message.engaged', occurredAt: at(churnedAtMs + 47 * DAY_MS), customerId, touchId, kind });
    } else if (draw < 0.42) {
      const outcome = rand() < 0.5 ? 'retained' : 'follow_up';
      const followUp = outcome === 'follow_up' ? { followUpAt: at(churnedAtMs + 45 * DAY_MS) } : {};
      const taskId = `${journeyId}-task`;
      extra.push({
        eventId: id('task'),
        type: 'task.outcome',
        occurredAt: at(churnedAtMs + 35 * DAY_MS),
        customerId,
        taskId,
        outcome,
        ...followUp,
      });
    } else if (draw < 0.47) {
      extra.push({
        eventId: id('returned'),
        type: 'customer.returned',
        occurredAt: at(churnedAtMs + 50 * DAY_MS),
        customerId,
        revenue: 30,
      });
      extra.push({ eventId: id('survey'), type: 'survey.answered', occurredAt: at(churnedAtMs + 60 * DAY_MS), customerId, score: 8 });
      extra.push({ ...event, eventId: id('churn2'), occurredAt: at(churnedAtMs + 200 * DAY_MS) });
    } else if (draw < 0.5) extra.push({ ...event });
  }
  return [...base, ...extra];
}
