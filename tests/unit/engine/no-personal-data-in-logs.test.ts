import { describe, expect, it } from 'vitest';
import { consentEvent, churnEvent, returnedEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil } from '../../support/fakes.ts';
import { ingestBatch, ingestEvent } from '#shared/engine/ingest-event';
import { eraseCustomer, viewCustomer } from '#shared/engine/customer-admin';
import type { EngineLogger } from '#shared/ports/logger';
import { createRouter } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { day } from './helpers.ts';

/** Keeps every log line as the JSON a structured logger would write. */
function recordingLogger(lines: string[]): EngineLogger {
  const write =
    (level: string) =>
    (message: string, ...attributes: Array<Record<string, unknown>>) =>
      lines.push(JSON.stringify({ level, message, ...Object.assign({}, ...attributes) }));
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

describe('logging', () => {
  it('never writes a phone number or an e-mail address, whatever the journey goes through', async () => {
    // Prepare
    const lines: string[] = [];
    const deps = makeDeps({ logger: recordingLogger(lines) });
    const customers = [
      customerIdIn('treatment', undefined, 'log-a'),
      customerIdIn('treatment', undefined, 'log-b'),
      customerIdIn('control', undefined, 'log-c'),
    ];
    const phones = ['+447700900101', '+447700900102', '+447700900103'];
    const emails = ['ann.lee@example.org', 'bob.ray@example.org', 'cy.dee@example.org'];

    // Act: churns, a failed send that is retried, a consent change, a return, a batch with a bad event, a view, an erasure.
    for (const [i, customerId] of customers.entries()) {
      await ingestEvent(
        deps,
        churnEvent({
          customerId,
          eventId: `log-churn-${i}`,
          contacts: { phone: phones[i]!, email: emails[i]! },
          consents: { sms: true, email: true, push: false },
        }),
      );
    }
    deps.channels.sms.failNext(1, true);
    await expect(runUntil(deps, deps.scheduler, day(50))).rejects.toThrow('throttled');
    await runUntil(deps, deps.scheduler, day(50));
    await ingestEvent(
      deps,
      consentEvent({
        customerId: customers[0]!,
        eventId: 'log-consent',
        occurredAt: new Date(day(51)).toISOString(),
        channel: 'sms',
        granted: false,
      }),
    );
    await ingestEvent(
      deps,
      returnedEvent({ customerId: customers[1]!, eventId: 'log-return', occurredAt: new Date(day(52)).toISOString() }),
    );
    await ingestBatch(deps, [
      { ...churnEvent({ customerId: 'log-d', eventId: 'log-bad' }), contacts: { phone: 'not-a-phone +4477009001', email: 'broken@' } },
    ]);
    await runUntil(deps, deps.scheduler, day(130));
    await viewCustomer(deps, customers[0]!);
    await eraseCustomer(deps, customers[2]!);
    const route = createRouter({ routes: v1Routes(deps), authorize: () => {}, logger: deps.logger });
    await route({
      method: 'POST',
      path: '/v1/events',
      headers: {},
      body: JSON.stringify({ ...churnEvent({ customerId: 'log-e', eventId: 'log-http' }), contacts: { phone: '+447700900199' } }),
    });

    // Assess: the journey really ran (so the logs had something to say), and no line holds contact data.
    expect(deps.channels.sms.sent.length + deps.channels.email.sent.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeGreaterThan(10);
    const all = lines.join('\n');
    for (const secret of [...phones, ...emails, '+447700900199', '7700900', 'example.org', 'broken@']) expect(all).not.toContain(secret);
  });
});
