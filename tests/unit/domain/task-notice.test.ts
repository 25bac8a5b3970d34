import { describe, expect, it } from 'vitest';
import type { Journey, Profile, RetentionTask } from '#shared/domain/journey/record';
import { taskNotice } from '#shared/domain/journey/task-view';

const profile = {
  contacts: {},
  consents: { sms: false, email: false, push: false },
  timezone: 'UTC',
  locale: 'en',
  accountType: 'business',
} as unknown as Profile;
const journey = { churnKind: 'port_out', exitReason: 'price', churnedAt: '2026-01-05T10:00:00.000Z' } as Journey;
const task = (value: number): RetentionTask => ({
  taskId: 'j-task',
  team: 'sales',
  value,
  status: 'open',
  dueAt: '2026-02-04T10:00:00.000Z',
  openedAt: '2026-01-05T10:00:00.000Z',
  outcomes: [],
});

describe('a retention task notice', () => {
  it('shows the account value with thousands separators and at most two decimals', () => {
    const notice = (value: number) => taskNotice({ customerId: 'c-1', profile, journey, task: task(value), currency: 'EUR' });
    expect(notice(1234.567).subject).toBe('Retention task for sales: c-1, value 1,234.57 EUR, due 2026-02-04');
    expect(notice(7200).text).toContain('Account value: 7,200 EUR');
    expect(notice(0.5).text).toContain('Account value: 0.5 EUR');
  });
});
