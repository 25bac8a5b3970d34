import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/domain/policy';
import { subscription } from '#shared/domain/policies/subscription';
import { churnInput } from '../fixtures/events.ts';
import { customerIdsIn } from '../support/fakes.ts';
import { outboxFor, startRunnerProcess, viewOf, type RunnerProcess } from '../support/local-runner-process.ts';

const START = '2026-01-05T08:00:00.000Z'; // a Monday
const ZONE = 'America/New_York';
const [customer] = customerIdsIn('treatment', 1, parsePolicy(subscription), 'preview') as [string];

/** A cancellation with e-mail only, in New York. */
const cancellation = churnInput({
  eventId: 'preview-churn',
  customerId: customer,
  occurredAt: START,
  churnKind: 'cancellation',
  exitReason: 'price',
  contacts: { email: 'preview@example.org' },
  consents: { sms: false, email: true, push: false },
  timezone: ZONE,
  locale: 'en-US',
  monthlyRevenue: 40,
});

describe('the local runner shows what a planned touch will send, and e-mails carry a working unsubscribe link', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-preview-'));
    runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START });
  });
  afterAll(async () => {
    await runner?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows each planned touch’s due time in the customer’s zone and its words; the e-mail sent has the same words', async () => {
    // Prepare
    expect((await runner.call('POST', '/v1/events', cancellation)).status).toBe(202);
    const planned = (await viewOf(runner, customer)).journey!.touches;

    // Act: past the first touch's day.
    await runner.call('POST', '/local/clock', { advanceDays: 3 });
    const [sent] = await outboxFor(runner, customer);
    const after = (await viewOf(runner, customer)).journey!.touches;

    // Assess: the local due time is the same instant, with New York's winter offset.
    expect(planned.length).toBeGreaterThanOrEqual(2);
    for (const touch of planned) {
      expect(touch.status).toBe('planned');
      expect(touch.dueAtLocal).toMatch(/-05:00$/);
      expect(Date.parse(touch.dueAtLocal!)).toBe(Date.parse(touch.dueAt));
      expect(touch.text).toMatch(/^Winback Club: /);
      expect(touch.subject).toBeTruthy();
    }
    expect(sent).toMatchObject({ channel: 'email', touchId: planned[0]!.touchId, text: planned[0]!.text, subject: planned[0]!.subject });
    // Once sent, a touch shows what happened, not a preview.
    expect(after[0]).toMatchObject({ status: 'sent' });
    expect(after[0]!.text).toBeUndefined();
    expect(after[1]!.text).toBe(planned[1]!.text);
  });

  it('the outbox e-mail’s unsubscribe link is the runner’s own one-click route, and opting out through it stops the e-mails', async () => {
    // Prepare
    const [sent] = await outboxFor(runner, customer);
    const link = new URL(sent!.unsubscribeUrl!);

    // Act: what a mail client does with List-Unsubscribe (a GET shows the button; the POST is the click).
    const page = await fetch(link);
    const click = await fetch(link, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    const view = await viewOf(runner, customer);

    // Assess
    expect(link.origin).toBe(runner.url);
    expect(link.pathname).toBe('/v1/unsubscribe');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<button type="submit">');
    expect(click.status).toBe(200);
    expect(view.channels.email).toEqual({ reachable: true, consent: false });
    expect(view.journey!.touches.filter((touch) => touch.channel === 'email' && touch.status === 'planned')).toEqual([]);
  });
});
