import { WinbackEvent } from '#shared/domain/events';
import { DAY_MS } from '#shared/domain/vocabulary';
import { ingestEvent } from '#shared/engine/ingest-event';
import { runNightlyJob, type NightlySummary } from '#shared/engine/nightly-job';
import { mulberry32 } from '../../scripts/seeded-random.ts';
import { churnInput } from '../fixtures/events.ts';
import { depsWith, runUntil, type TestDeps } from './fakes.ts';
import { nightlyDepsOf } from './nightly-deps.ts';

/**
 * A generated cohort run through the real engine (ingest, timers, sends, feedback) to a night,
 * then the nightly job into a lake folder: what the report reads, with every section filled.
 * Deterministic for a seed. Returns come after touch 1 more often in the treatment arm (and for
 * variant B) than in the control group; a few come back before any message; some returned
 * customers answer the survey, some churn again; escalated accounts get a team outcome.
 */
export interface ReportCohort {
  customers: number;
  seed: number;
  /** First churn; churns spread over `months` months from it. */
  firstChurn: string;
  months: number;
  /** The night the job runs for (and the clock stops at). */
  night: string;
}

const EXIT_REASONS = ['coverage', 'price', 'support', 'tariff_complexity', 'moved'] as const;
const TASK_OUTCOMES = ['retained', 'ported_away', 'follow_up'] as const;

interface Pending {
  atMs: number;
  event: Record<string, unknown>;
}

export async function buildReportLake(lakeRoot: string, cohort: ReportCohort): Promise<NightlySummary> {
  const random = mulberry32(cohort.seed);
  // A quarter held out, so a month's control group is large enough to read.
  const deps = depsWith((policy) => {
    policy.holdout = { ...policy.holdout, percent: 25 };
  });
  const start = Date.parse(cohort.firstChurn);
  const end = Date.parse(`${cohort.night}T12:00:00Z`);
  deps.clock.set(start);
  const queue: Pending[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  let ids = 0;
  const push = (atMs: number, event: Record<string, unknown>) =>
    queue.push({ atMs, event: { ...event, eventId: `evt-${ids++}`, occurredAt: iso(atMs) } });

  for (let i = 0; i < cohort.customers; i++) {
    const churnAt = start + Math.floor(random() * cohort.months * 30 * DAY_MS);
    push(churnAt, {
      ...churnInput({}),
      customerId: `report-${i}`,
      exitReason: EXIT_REASONS[Math.floor(random() * EXIT_REASONS.length)]!,
      contacts: { phone: `+4477009${String(10000 + i).padStart(5, '0')}`, email: `report-${i}@example.com` },
      monthlyRevenue: 10 + Math.round(random() * 80),
      tenureMonths: 1 + Math.floor(random() * 60),
    });
  }
  const seen = { sms: 0, email: 0, task: 0 };
  for (let next = popEarliest(queue); next && next.atMs <= end; next = popEarliest(queue)) {
    await runUntil(deps, deps.scheduler, next.atMs);
    await feedback(deps, seen, random, push);
    const event = WinbackEvent.parse(next.event);
    await ingestEvent(deps, event);
    if (event.type === 'customer.churned') await fate(deps, event.customerId, Date.parse(event.occurredAt), random, push);
    if (event.type === 'customer.returned') afterReturn(event.customerId, Date.parse(event.occurredAt), random, push);
  }
  await runUntil(deps, deps.scheduler, end);
  return runNightlyJob(nightlyDepsOf(deps, lakeRoot, { scanSegments: 2, exportAudience: false }), cohort.night);
}

function popEarliest(queue: Pending[]): Pending | undefined {
  let best = -1;
  for (let i = 0; i < queue.length; i++) if (best < 0 || queue[i]!.atMs < queue[best]!.atMs) best = i;
  return best < 0 ? undefined : queue.splice(best, 1)[0];
}

type Push = (atMs: number, event: Record<string, unknown>) => void;

/** Whether and when the customer comes back: before any message, after touch 1, or not at all. */
async function fate(deps: TestDeps, customerId: string, churnAt: number, random: () => number, push: Push): Promise<void> {
  const journey = (await deps.store.get(customerId))?.journeys.at(-1);
  if (!journey) return;
  if (random() < 0.04) return push(churnAt + (5 + random() * 20) * DAY_MS, { type: 'customer.returned', customerId, revenue: 30 });
  const rate = journey.arm === 'control' ? 0.1 : journey.variant === 'B' ? 0.24 : 0.14;
  if (random() < rate) push(churnAt + (50 + random() * 35) * DAY_MS, { type: 'customer.returned', customerId, revenue: 30 });
}

/** A returned customer may answer the survey, and may leave again. */
function afterReturn(customerId: string, returnedAt: number, random: () => number, push: Push): void {
  if (random() < 0.7)
    push(returnedAt + 10 * DAY_MS, { type: 'survey.answered', customerId, score: Math.min(10, Math.floor(4 + random() * 7)) });
  if (random() < 0.3) push(returnedAt + (100 + random() * 300) * DAY_MS, { ...churnInput({}), customerId, exitReason: 'price' });
}

/** Delivery receipts and clicks for the messages just sent, and a team's outcome for each task notice. */
async function feedback(deps: TestDeps, seen: Record<'sms' | 'email' | 'task', number>, random: () => number, push: Push): Promise<void> {
  const now = deps.clock.now();
  for (const channel of ['sms', 'email'] as const) {
    for (const message of deps.channels[channel].sent.slice(seen[channel])) {
      const engaged = { type: 'message.engaged', customerId: message.customerId, touchId: message.touchId };
      if (random() < 0.95) push(now + 2 * 60_000, { ...engaged, kind: 'delivered' });
      if (random() < 0.25) push(now + 3 * 3_600_000, { ...engaged, kind: 'clicked' });
    }
    seen[channel] = deps.channels[channel].sent.length;
  }
  for (const message of deps.channels.task.sent.slice(seen.task)) {
    const task = (await deps.store.get(message.customerId))?.journeys.at(-1)?.task;
    const outcome = TASK_OUTCOMES[Math.floor(random() * TASK_OUTCOMES.length)]!;
    const followUp = outcome === 'follow_up' ? { followUpAt: new Date(now + 10 * DAY_MS).toISOString() } : {};
    if (task && random() < 0.8)
      push(now + 3 * DAY_MS, {
        type: 'task.outcome',
        customerId: message.customerId,
        taskId: task.taskId,
        outcome,
        reason: 'price',
        ...followUp,
      });
  }
  seen.task = deps.channels.task.sent.length;
}
