import 'aws-sdk-client-mock-vitest/extend';
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand, type SendTextMessageCommandInput } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSesClient } from '#shared/adapters/aws/message-clients';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { EventBridgeTouchScheduler } from '#shared/adapters/aws/eventbridge-touch-scheduler';
import { SesEmailChannel } from '#shared/adapters/aws/ses-email-channel';
import { EumSmsChannel } from '#shared/adapters/aws/sms-channel';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import type { CustomerRecord } from '#shared/domain/journey/record';
import type { TouchDue } from '#shared/domain/journey/timers';
import { parsePolicy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { assign } from '#shared/domain/targeting';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import { DAY_MS } from '#shared/domain/vocabulary';
import { DEFAULT_PRICE_TABLE } from '#shared/domain/default-prices';
import type { EngineDeps } from '#shared/engine/deps';
import { ingestEvent } from '#shared/engine/ingest-event';
import { sendTouch, type SendTouchResult } from '#shared/engine/send-touch';
import { silentLogger } from '#shared/ports/logger';
import { churnEvent, returnedEvent } from '../fixtures/events.ts';
import { FakeClock } from '../support/fakes.ts';
import { sesLocalClientConfig, startSesLocal, type SesLocal, type StoredEmail } from './ses-local.ts';

/**
 * The engine's journey end to end with the AWS adapters: DynamoDB Local for the store,
 * aws-ses-v2-local for e-mail, and aws-sdk-client-mock standing in for EventBridge Scheduler and
 * End User Messaging SMS (no emulator exists for them here). The Scheduler mock behaves like the service: a name
 * that exists conflicts, a missing one is not found on delete, and a fired schedule is deleted
 * (`ActionAfterCompletion: DELETE`). "Firing" a schedule reads its `at()` expression and time
 * zone back into an instant, sets the clock there and runs send-touch with the target input,
 * exactly what the Lambda would receive.
 */

const schedulerMock = mockClient(SchedulerClient);
const smsMock = mockClient(PinpointSMSVoiceV2Client);

const GROUP = 'winback-touches';
const UNSUBSCRIBE_KEY = 'engine-it-unsubscribe-key';
const CHURNED_AT = '2026-01-05T09:00:00+00:00'; // a Monday
const T0 = Date.parse(CHURNED_AT);
const policy = parsePolicy(telecomPortOut);

/** The first id with this prefix in the treatment arm, so its touches are really sent. */
function treatmentId(prefix: string): string {
  for (let i = 0; ; i++) if (assign(`${prefix}-${i}`, policy).arm === 'treatment') return `${prefix}-${i}`;
}

const A = { id: treatmentId('aws-it-sms'), phone: '+447700900101', zone: 'Europe/London' };
const B = { id: treatmentId('aws-it-email'), email: 'b.customer@example.com', zone: 'America/New_York' };
const C = { id: treatmentId('aws-it-returns'), phone: '+919800000103', zone: 'Asia/Kolkata' };

/** The instant EventBridge Scheduler fires an `at()` schedule. */
function fireInstant(input: CreateScheduleCommandInput): number {
  const wallTime = /^at\((.+)\)$/.exec(input.ScheduleExpression ?? '')?.[1] ?? '';
  const instant = DateTime.fromFormat(wallTime, "yyyy-LL-dd'T'HH:mm:ss", { zone: input.ScheduleExpressionTimezone ?? 'UTC' });
  if (!instant.isValid)
    throw new Error(`cannot read schedule ${input.Name}: ${input.ScheduleExpression} in ${input.ScheduleExpressionTimezone}`);
  return instant.toMillis();
}

interface Fired {
  name: string;
  atMs: number;
  due: TouchDue;
  results: SendTouchResult[];
}

interface Published {
  input: SendTextMessageCommandInput;
  atMs: number;
}

describe('engine with the AWS adapters', () => {
  const tableName = `winback-engine-it-${randomUUID()}`;
  const clock = new FakeClock(T0);
  /** Every CreateSchedule input received, in order (the idempotent conflicts included). */
  const created: CreateScheduleCommandInput[] = [];
  /** Schedules that exist now: created, not yet fired, not deleted. */
  const live = new Map<string, CreateScheduleCommandInput>();
  const deleted: string[] = [];
  const fired: Fired[] = [];
  const published: Published[] = [];
  /** Timers delivered twice at once, as Scheduler's at-least-once delivery may do. */
  const deliverTwice = new Set<string>();

  let dynamo: DynamoDBClient;
  let sesLocal: SesLocal;
  let ses: SESv2Client;
  let deps: EngineDeps;

  beforeAll(async () => {
    dynamo = localDynamoClient(inject('dynamodbEndpoint'));
    await ensureTable(dynamo, tableName);

    sesLocal = await startSesLocal();
    ses = createSesClient({ ...sesLocalClientConfig, endpoint: sesLocal.endpoint });

    schedulerMock.on(CreateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
      created.push(structuredClone(input));
      if (live.has(input.Name!))
        throw new ConflictException({
          message: `Schedule ${input.Name} already exists.`,
          Message: `Schedule ${input.Name} already exists.`,
          $metadata: { httpStatusCode: 409 },
        });
      live.set(input.Name!, structuredClone(input));
      return { ScheduleArn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${GROUP}/${input.Name}` };
    });
    schedulerMock.on(DeleteScheduleCommand).callsFake((input: { Name: string; GroupName: string }) => {
      deleted.push(input.Name);
      if (!live.delete(input.Name))
        throw new ResourceNotFoundException({
          message: `Schedule ${input.Name} does not exist.`,
          Message: `Schedule ${input.Name} does not exist.`,
          $metadata: { httpStatusCode: 404 },
        });
      return {};
    });
    smsMock.on(SendTextMessageCommand).callsFake((input: SendTextMessageCommandInput) => {
      published.push({ input: structuredClone(input), atMs: clock.now() });
      return { MessageId: `sms-${published.length}` };
    });

    deps = {
      store: new DynamoDbCustomerStore({ client: createDocumentClient(dynamo), tableName, phoneHashKey: 'engine-it-phone-key' }),
      scheduler: new EventBridgeTouchScheduler({
        client: new SchedulerClient({ region: 'eu-west-1' }),
        groupName: GROUP,
        targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:winback-send-touch',
        roleArn: 'arn:aws:iam::123456789012:role/winback-scheduler',
        deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:winback-timer-dlq',
      }),
      channels: {
        sms: new EumSmsChannel({ client: new PinpointSMSVoiceV2Client({ region: 'eu-west-1' }), configurationSetName: 'winback-sms' }),
        email: new SesEmailChannel({
          client: ses,
          fromAddress: 'Winback Mobile <offers@mail.example.com>',
          configurationSetName: 'winback-engagement',
          unsubscribeUrl: (m) =>
            `https://winback.example.com/v1/unsubscribe?token=${signUnsubscribeToken({ customerId: m.customerId, channel: 'email' }, UNSUBSCRIBE_KEY)}`,
        }),
      },
      clock,
      policies: new PolicyRegistry([policy]),
      logger: silentLogger,
      prices: DEFAULT_PRICE_TABLE,
      idHashKey: 'engine-it-hash-key',
    };
  });

  afterAll(async () => {
    schedulerMock.restore();
    smsMock.restore();
    ses?.destroy();
    await sesLocal?.stop();
    if (dynamo) {
      await dynamo.send(new DeleteTableCommand({ TableName: tableName }));
      dynamo.destroy();
    }
  });

  /**
   * Fires every live schedule due by `untilMs`, earliest first, like Scheduler: the clock moves
   * to the schedule's instant, send-touch runs with its input, and the schedule is deleted after
   * the invocation. Schedules created meanwhile (deferrals) fire too when due by then.
   */
  async function fireUntil(untilMs: number): Promise<void> {
    for (;;) {
      const next = [...live.values()]
        .map((input) => ({ input, atMs: fireInstant(input) }))
        .filter(({ atMs }) => atMs <= untilMs)
        .sort((a, b) => a.atMs - b.atMs || a.input.Name!.localeCompare(b.input.Name!))[0];
      if (!next) break;
      const name = next.input.Name!;
      clock.set(Math.max(clock.now(), next.atMs));
      const due = JSON.parse(next.input.Target!.Input!) as TouchDue;
      const deliveries = deliverTwice.has(name) ? 2 : 1;
      const results = await Promise.all(Array.from({ length: deliveries }, () => sendTouch(deps, due)));
      live.delete(name);
      fired.push({ name, atMs: next.atMs, due, results });
    }
    clock.set(Math.max(clock.now(), untilMs));
  }

  const record = async (customerId: string): Promise<CustomerRecord> => (await deps.store.get(customerId))!;
  const publishedTo = (phone: string) => published.filter((p) => p.input.DestinationPhoneNumber === phone);
  const emailsTo = async (address: string): Promise<StoredEmail[]> =>
    (await sesLocal.emails()).filter((e) => e.destination.to.includes(address));
  const dayOf = (atMs: number) => (atMs - T0) / DAY_MS;

  it('plans, sends, cancels and deduplicates through day 130', async () => {
    // Prepare: three port-outs on day 0.
    clock.set(T0 + 3_600_000);
    await ingestEvent(
      deps,
      churnEvent({
        eventId: `churn-${A.id}`,
        customerId: A.id,
        occurredAt: CHURNED_AT,
        timezone: A.zone,
        contacts: { phone: A.phone },
        consents: { sms: true, email: false, push: false },
      }),
    );
    await ingestEvent(
      deps,
      churnEvent({
        eventId: `churn-${B.id}`,
        customerId: B.id,
        occurredAt: CHURNED_AT,
        timezone: B.zone,
        contacts: { email: B.email },
        consents: { sms: false, email: true, push: false },
      }),
    );
    await ingestEvent(
      deps,
      churnEvent({
        eventId: `churn-${C.id}`,
        customerId: C.id,
        occurredAt: CHURNED_AT,
        timezone: C.zone,
        contacts: { phone: C.phone },
        consents: { sms: true, email: false, push: false },
      }),
    );
    // A replayed churn event changes nothing and creates no second timer.
    const replay = await ingestEvent(
      deps,
      churnEvent({
        eventId: `churn-${A.id}`,
        customerId: A.id,
        occurredAt: CHURNED_AT,
        timezone: A.zone,
        contacts: { phone: A.phone },
        consents: { sms: true, email: false, push: false },
      }),
    );
    const [recordA, recordB, recordC] = await Promise.all([record(A.id), record(B.id), record(C.id)]);
    const firstTimerOfA = recordA.journeys[0]!.touches[0]!.timerName;
    const secondTimerOfC = recordC.journeys[0]!.touches[1]!.timerName;
    deliverTwice.add(firstTimerOfA);

    // Assess the plan: two timers per customer, each firing exactly when its touch is due.
    expect(replay.status).toBe('duplicate');
    expect(created).toHaveLength(6);
    for (const planned of [recordA, recordB, recordC]) {
      for (const touch of planned.journeys[0]!.touches) {
        const input = live.get(touch.timerName);
        expect(input, touch.timerName).toBeDefined();
        expect(fireInstant(input!)).toBe(Date.parse(touch.dueAt));
        expect(JSON.parse(input!.Target!.Input!)).toEqual({
          customerId: planned.customerId,
          touchId: touch.touchId,
          timerName: touch.timerName,
        });
        expect(input).toMatchObject({ GroupName: GROUP, ActionAfterCompletion: 'DELETE', FlexibleTimeWindow: { Mode: 'OFF' } });
      }
    }

    // Act: the first touches go out; C comes back on day 50; the rest runs to day 130.
    await fireUntil(T0 + 50 * DAY_MS);
    clock.set(T0 + 50 * DAY_MS);
    await ingestEvent(
      deps,
      returnedEvent({ eventId: `return-${C.id}`, customerId: C.id, occurredAt: new Date(T0 + 50 * DAY_MS).toISOString() }),
    );
    await fireUntil(T0 + 130 * DAY_MS);
    // Scheduler delivering the same timer once more, long after: a no-op.
    const lateRedelivery = await sendTouch(deps, {
      customerId: A.id,
      touchId: recordA.journeys[0]!.touches[0]!.touchId,
      timerName: firstTimerOfA,
    });

    // Assess A: exactly two SMS, one per touch window, inside 10:00–19:00 London time, Mon–Sat.
    const smsToA = publishedTo(A.phone);
    expect(smsToA).toHaveLength(2);
    const [firstSms, secondSms] = smsToA as [Published, Published];
    expect(dayOf(firstSms.atMs)).toBeGreaterThanOrEqual(30);
    expect(dayOf(firstSms.atMs)).toBeLessThan(46);
    expect(dayOf(secondSms.atMs)).toBeGreaterThanOrEqual(60);
    expect(dayOf(secondSms.atMs)).toBeLessThan(91);
    for (const { atMs, input } of smsToA) {
      const local = DateTime.fromMillis(atMs, { zone: A.zone });
      expect(local.toFormat('HH:mm') >= '10:00' && local.toFormat('HH:mm') < '19:00', local.toISO()!).toBe(true);
      expect(local.weekday).toBeLessThanOrEqual(6);
      expect(input).toMatchObject({
        MessageType: 'PROMOTIONAL',
        ConfigurationSetName: 'winback-sms',
        Context: { touchId: expect.any(String), customer: expect.any(String) },
      });
      expect(input.MessageBody).toContain('Reply STOP to opt out.');
    }
    const finalA = await record(A.id);
    // The message ids recorded are the ones the SMS service answered for A's two sends, in order.
    expect(finalA.journeys[0]!.touches.map((t) => [t.status, t.messageId])).toEqual(
      smsToA.map((sms) => ['sent', `sms-${published.indexOf(sms) + 1}`]),
    );

    // Assess the duplicate deliveries of A's first timer: one sent, the others did nothing.
    const doubleFired = fired.find((f) => f.name === firstTimerOfA)!;
    expect(doubleFired.results.map((r) => r.outcome).sort()).toEqual(['ignored', 'sent']);
    expect(lateRedelivery).toEqual({ outcome: 'ignored', reason: 'already_sent' });

    // Assess B: exactly two e-mails in the SES emulator, with the offers and unsubscribe headers.
    const mailsToB = await emailsTo(B.email);
    expect(mailsToB).toHaveLength(2);
    expect(mailsToB.map((m) => m.subject)).toEqual(['Coverage in your area has improved', expect.stringMatching(/tariff|plan/)]);
    for (const mail of mailsToB) {
      expect(mail.body.text).toContain('Winback Mobile');
      expect(mail.headers).toEqual(expect.arrayContaining([{ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' }]));
    }
    const finalB = await record(B.id);
    expect(finalB.journeys[0]!.touches.map((t) => t.status)).toEqual(['sent', 'sent']);
    expect(finalB.journeys[0]!.touches.map((t) => t.messageId)).toEqual(mailsToB.map((m) => m.messageId));
    for (const touch of finalB.journeys[0]!.touches) {
      const local = DateTime.fromISO(touch.sentAt!, { zone: B.zone });
      expect(local.toFormat('HH:mm') >= '10:00' && local.toFormat('HH:mm') < '19:00', local.toISO()!).toBe(true);
    }

    // Assess C: one SMS, then the return deleted the second timer, which never fired.
    expect(publishedTo(C.phone)).toHaveLength(1);
    expect(schedulerMock).toHaveReceivedCommandWith(DeleteScheduleCommand, { Name: secondTimerOfC, GroupName: GROUP });
    expect(fired.map((f) => f.name)).not.toContain(secondTimerOfC);
    const finalC = await record(C.id);
    expect(finalC.journeys[0]!.status).toBe('won_back');
    expect(finalC.journeys[0]!.touches.map((t) => t.status)).toEqual(['sent', 'cancelled']);

    // Nothing is left to fire, and every message sent is one of the six planned touches.
    expect(live.size).toBe(0);
    expect(published).toHaveLength(3);
  });
});
