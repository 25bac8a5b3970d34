import type { CustomerRecord, Journey, Profile, RetentionTask, TaskStatus } from './record.ts';

/**
 * What a retention team sees of a task: in its notification (SNS e-mail) and in
 * `GET /v1/tasks`. It carries the account's contact details on purpose — the team calls the
 * customer — so it goes to the team and the API only, never to a log or a KPI.
 */
export interface TaskView {
  taskId: string;
  team: string;
  status: TaskStatus;
  dueAt: string;
  openedAt: string;
  value: number;
  currency: string;
  customerId: string;
  accountNumber?: string;
  company?: string;
  name?: string;
  phone?: string;
  email?: string;
  accountType: string;
  churnKind: string;
  exitReason: string;
  churnedAt: string;
  /** The reason for leaving the team reported, if any. */
  reason?: string;
  /** `call_back`: the customer asked to be called back; absent: the account was escalated by value. */
  origin?: 'call_back';
  outcomes: RetentionTask['outcomes'];
}

export function toTaskView(
  record: Pick<CustomerRecord, 'customerId' | 'profile'>,
  journey: Journey,
  task: RetentionTask,
  currency: string,
): TaskView {
  const profile = record.profile;
  const contacts = profile?.contacts ?? {};
  return {
    taskId: task.taskId,
    team: task.team,
    status: task.status,
    dueAt: task.dueAt,
    openedAt: task.openedAt,
    value: task.value,
    currency,
    customerId: record.customerId,
    ...(profile?.accountNumber ? { accountNumber: profile.accountNumber } : {}),
    ...(profile?.company ? { company: profile.company } : {}),
    ...(contacts.name ? { name: contacts.name } : {}),
    ...(contacts.phone ? { phone: contacts.phone } : {}),
    ...(contacts.email ? { email: contacts.email } : {}),
    accountType: profile?.accountType ?? 'consumer',
    churnKind: journey.churnKind,
    exitReason: journey.exitReason,
    churnedAt: journey.churnedAt,
    ...(task.reason ? { reason: task.reason } : {}),
    ...(task.origin ? { origin: task.origin } : {}),
    outcomes: task.outcomes,
  };
}

/** An account's value as the notice shows it; one formatter, since `toLocaleString` with options builds one per call. */
const VALUE_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/**
 * The notification a team gets: a subject that says whose account and by when, and a body with
 * everything needed to call, plus the task id to report the outcome with (`task.outcome`).
 */
export function taskNotice(input: { customerId: string; profile: Profile; journey: Journey; task: RetentionTask; currency: string }): {
  subject: string;
  text: string;
} {
  const view = toTaskView({ customerId: input.customerId, profile: input.profile }, input.journey, input.task, input.currency);
  const value = `${VALUE_FORMAT.format(view.value)} ${view.currency}`;
  const who = view.company ?? view.name ?? view.accountNumber ?? view.customerId;
  const dueDate = view.dueAt.slice(0, 10);
  const lines: Array<[string, string | undefined]> = [
    ['Account number', view.accountNumber],
    ['Company', view.company],
    ['Customer name', view.name],
    ['Phone', view.phone],
    ['E-mail', view.email],
    ['Account type', view.accountType],
    ['Account value', value],
    ['Due', view.dueAt],
    ['Churn', `${view.churnKind} on ${view.churnedAt.slice(0, 10)}, reason given: ${view.exitReason}`],
    ['Customer id', view.customerId],
    ['Task id', view.taskId],
  ];
  return {
    subject: `Retention task for ${view.team}: ${who}, value ${value}, due ${dueDate}`,
    text: [
      `${input.task.origin === 'call_back' ? 'A customer who left asked to be called back' : 'A high-value account left and is yours to win back'} (${input.task.status === 'follow_up' ? 'follow-up' : 'new task'}).`,
      '',
      ...lines.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`),
      '',
      `Report the outcome with a task.outcome event for task ${view.taskId}: retained, ported_away, or follow_up with a followUpAt.`,
    ].join('\n'),
  };
}
