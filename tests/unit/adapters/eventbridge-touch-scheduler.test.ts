import 'aws-sdk-client-mock-vitest/extend';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { atExpression, EventBridgeTouchScheduler } from '#shared/adapters/aws/eventbridge-touch-scheduler';
import type { TimerSpec } from '#shared/domain/journey/timers';

const schedulerMock = mockClient(SchedulerClient);

const OPTIONS = {
  groupName: 'winback-touches',
  targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:winback-send-touch',
  roleArn: 'arn:aws:iam::123456789012:role/winback-scheduler',
  deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:winback-timer-dlq',
};

const timer: TimerSpec = {
  name: 'wb-0123456789abcdef-a1b2c3d4e5f6-1',
  dueAt: '2026-02-04T14:07:00.000Z',
  timezone: 'Europe/Paris',
  payload: { customerId: 'cust-0001', touchId: 'a1b2c3d4e5f6-1', timerName: 'wb-0123456789abcdef-a1b2c3d4e5f6-1' },
};

/** The instant an `at()` expression and its time zone stand for (what Scheduler does with them). */
function instantOf(expression: string, timezone: string): number {
  const wallTime = /^at\((.+)\)$/.exec(expression)?.[1];
  return DateTime.fromFormat(wallTime ?? '', "yyyy-LL-dd'T'HH:mm:ss", { zone: timezone }).toMillis();
}

describe('atExpression', () => {
  it('writes January as month 01 (a 0-based month would say 00)', () => {
    // Act
    const at = atExpression('2026-01-15T10:30:00.000Z', 'UTC');

    // Assess
    expect(at).toEqual({ expression: 'at(2026-01-15T10:30:00)', timezone: 'UTC' });
  });

  it('writes December as month 12 and rolls the year over in a zone ahead of UTC', () => {
    // Act
    const lastOfDecember = atExpression('2026-12-31T10:00:00.000Z', 'UTC');
    const newYearInParis = atExpression('2026-12-31T23:30:00.000Z', 'Europe/Paris');

    // Assess
    expect(lastOfDecember).toEqual({ expression: 'at(2026-12-31T10:00:00)', timezone: 'UTC' });
    expect(newYearInParis).toEqual({ expression: 'at(2027-01-01T00:30:00)', timezone: 'Europe/Paris' });
  });

  it('pads single-digit months, days, hours, minutes and seconds', () => {
    // Act
    const at = atExpression('2026-02-03T04:05:06.000Z', 'UTC');

    // Assess
    expect(at.expression).toBe('at(2026-02-03T04:05:06)');
  });

  it('writes the local wall time of a zone behind UTC, with that zone', () => {
    // Act: New York is UTC-4 in July (EDT) and UTC-5 in January (EST).
    const summer = atExpression('2026-07-01T12:00:00.000Z', 'America/New_York');
    const winter = atExpression('2026-01-09T15:00:00.000Z', 'America/New_York');

    // Assess
    expect(summer).toEqual({ expression: 'at(2026-07-01T08:00:00)', timezone: 'America/New_York' });
    expect(winter).toEqual({ expression: 'at(2026-01-09T10:00:00)', timezone: 'America/New_York' });
  });

  it('handles a half-hour offset (Asia/Kolkata, UTC+5:30) and a quarter-hour one (Asia/Kathmandu, UTC+5:45)', () => {
    // Act
    const kolkata = atExpression('2026-03-10T04:45:00.000Z', 'Asia/Kolkata');
    const kolkataNextDay = atExpression('2026-03-10T19:00:00.000Z', 'Asia/Kolkata');
    const kathmandu = atExpression('2026-03-10T04:45:00.000Z', 'Asia/Kathmandu');

    // Assess
    expect(kolkata).toEqual({ expression: 'at(2026-03-10T10:15:00)', timezone: 'Asia/Kolkata' });
    expect(kolkataNextDay).toEqual({ expression: 'at(2026-03-11T00:30:00)', timezone: 'Asia/Kolkata' });
    expect(kathmandu).toEqual({ expression: 'at(2026-03-10T10:30:00)', timezone: 'Asia/Kathmandu' });
  });

  it('accepts an instant written with an offset', () => {
    // Act
    const at = atExpression('2026-03-02T15:05:00+01:00', 'Europe/London');

    // Assess
    expect(at).toEqual({ expression: 'at(2026-03-02T14:05:00)', timezone: 'Europe/London' });
  });

  it('rounds a sub-second instant up, so the timer never fires before it is due', () => {
    // Act
    const at = atExpression('2026-03-02T14:05:00.001Z', 'UTC');

    // Assess
    expect(at.expression).toBe('at(2026-03-02T14:05:01)');
  });

  describe('around a clock change (London, 2026)', () => {
    it('writes UTC inside the spring-forward change of 29 March, when 01:00–02:00 local does not exist', () => {
      // Act: clocks go from 01:00 GMT to 02:00 BST at 01:00Z.
      const justAfter = atExpression('2026-03-29T01:30:00.000Z', 'Europe/London');
      const justBefore = atExpression('2026-03-29T00:30:00.000Z', 'Europe/London');

      // Assess
      expect(justAfter).toEqual({ expression: 'at(2026-03-29T01:30:00)', timezone: 'UTC' });
      expect(justBefore).toEqual({ expression: 'at(2026-03-29T00:30:00)', timezone: 'UTC' });
    });

    it('writes UTC for both passes of the repeated hour of the fall-back change of 25 October', () => {
      // Act: clocks go from 02:00 BST back to 01:00 GMT at 01:00Z, so local 01:30 happens twice.
      const firstPass = atExpression('2026-10-25T00:30:00.000Z', 'Europe/London');
      const secondPass = atExpression('2026-10-25T01:30:00.000Z', 'Europe/London');

      // Assess
      expect(firstPass).toEqual({ expression: 'at(2026-10-25T00:30:00)', timezone: 'UTC' });
      expect(secondPass).toEqual({ expression: 'at(2026-10-25T01:30:00)', timezone: 'UTC' });
      expect(instantOf(firstPass.expression, firstPass.timezone)).not.toBe(instantOf(secondPass.expression, secondPass.timezone));
    });

    it('writes local time again once the change is more than 3 hours away', () => {
      // Act
      const springDayAfternoon = atExpression('2026-03-29T14:00:00.000Z', 'Europe/London');
      const autumnDayAfternoon = atExpression('2026-10-25T14:00:00.000Z', 'Europe/London');
      const theEveningBefore = atExpression('2026-10-24T21:59:00.000Z', 'Europe/London');

      // Assess
      expect(springDayAfternoon).toEqual({ expression: 'at(2026-03-29T15:00:00)', timezone: 'Europe/London' });
      expect(autumnDayAfternoon).toEqual({ expression: 'at(2026-10-25T14:00:00)', timezone: 'Europe/London' });
      expect(theEveningBefore).toEqual({ expression: 'at(2026-10-24T22:59:00)', timezone: 'Europe/London' });
    });
  });

  it('always names the exact instant, whatever the zone and date (round trip)', () => {
    const zones = [
      'UTC',
      'Europe/London',
      'Europe/Paris',
      'America/New_York',
      'America/Sao_Paulo',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'America/St_Johns',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z') / 1000, max: Date.parse('2030-12-31T23:59:59Z') / 1000 }),
        fc.constantFrom(...zones),
        (epochSeconds, zone) => {
          // Act
          const { expression, timezone } = atExpression(new Date(epochSeconds * 1000).toISOString(), zone);

          // Assess
          expect(expression).toMatch(/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/);
          expect(instantOf(expression, timezone)).toBe(epochSeconds * 1000);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('refuses an invalid instant or zone', () => {
    // Act & Assess
    expect(() => atExpression('next tuesday', 'UTC')).toThrow(/not an ISO 8601 instant/);
    expect(() => atExpression('2026-01-15T10:30:00.000Z', 'Mars/Olympus_Mons')).toThrow(/not an IANA time zone/);
  });
});

describe('EventBridgeTouchScheduler', () => {
  const scheduler = new EventBridgeTouchScheduler({ client: new SchedulerClient({}), ...OPTIONS });

  beforeEach(() => {
    schedulerMock.reset();
  });

  describe('schedule', () => {
    it('creates a one-shot schedule at the local due time, deleted after completion, with DLQ and retries', async () => {
      // Prepare
      schedulerMock
        .on(CreateScheduleCommand)
        .resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/winback-touches/x' });

      // Act
      await scheduler.schedule(timer);

      // Assess
      expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
      expect(schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input).toEqual({
        Name: timer.name,
        GroupName: 'winback-touches',
        ScheduleExpression: 'at(2026-02-04T15:07:00)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: OPTIONS.targetArn,
          RoleArn: OPTIONS.roleArn,
          Input: JSON.stringify(timer.payload),
          DeadLetterConfig: { Arn: OPTIONS.deadLetterArn },
          RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
        },
      });
    });

    it('passes a custom retry policy through', async () => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).resolves({});
      const patient = new EventBridgeTouchScheduler({
        client: new SchedulerClient({}),
        ...OPTIONS,
        maxRetryAttempts: 10,
        maxEventAgeSeconds: 7_200,
      });

      // Act
      await patient.schedule(timer);

      // Assess
      expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
        Target: expect.objectContaining({ RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 7_200 } }),
      });
    });

    it('treats an existing schedule of the same name as success (idempotent)', async () => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).rejects(
        new ConflictException({
          message: 'Schedule already exists.',
          Message: 'Schedule already exists.',
          $metadata: { httpStatusCode: 409 },
        }),
      );

      // Act
      const result = scheduler.schedule(timer);

      // Assess
      await expect(result).resolves.toBeUndefined();
    });

    it('propagates any other error', async () => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).rejects(
        new ValidationException({
          message: 'Invalid schedule expression',
          Message: 'Invalid schedule expression',
          $metadata: { httpStatusCode: 400 },
        }),
      );

      // Act
      const result = scheduler.schedule(timer);

      // Assess
      await expect(result).rejects.toBeInstanceOf(ValidationException);
    });

    it('refuses a timer whose due time is not an instant, before calling AWS', async () => {
      // Act
      const result = scheduler.schedule({ ...timer, dueAt: 'soon' });

      // Assess
      await expect(result).rejects.toThrow(/not an ISO 8601 instant/);
      expect(schedulerMock).not.toHaveReceivedCommand(CreateScheduleCommand);
    });
  });

  describe('cancel', () => {
    it('deletes the schedule by name in the group', async () => {
      // Prepare
      schedulerMock.on(DeleteScheduleCommand).resolves({});

      // Act
      await scheduler.cancel(timer.name);

      // Assess
      expect(schedulerMock).toHaveReceivedCommandExactlyOnceWith(DeleteScheduleCommand, { Name: timer.name, GroupName: 'winback-touches' });
    });

    it('treats a schedule that is gone (fired or cancelled) as success', async () => {
      // Prepare
      schedulerMock.on(DeleteScheduleCommand).rejects(
        new ResourceNotFoundException({
          message: 'Schedule not found.',
          Message: 'Schedule not found.',
          $metadata: { httpStatusCode: 404 },
        }),
      );

      // Act
      const result = scheduler.cancel(timer.name);

      // Assess
      await expect(result).resolves.toBeUndefined();
    });

    it('propagates any other error', async () => {
      // Prepare
      schedulerMock.on(DeleteScheduleCommand).rejects(
        new ConflictException({
          message: 'Concurrent modification',
          Message: 'Concurrent modification',
          $metadata: { httpStatusCode: 409 },
        }),
      );

      // Act
      const result = scheduler.cancel(timer.name);

      // Assess
      await expect(result).rejects.toBeInstanceOf(ConflictException);
    });
  });

  it('refuses a retry policy outside what Scheduler accepts, at construction', () => {
    // Act & Assess
    const client = new SchedulerClient({});
    expect(() => new EventBridgeTouchScheduler({ client, ...OPTIONS, maxRetryAttempts: 186 })).toThrow(/maxRetryAttempts/);
    expect(() => new EventBridgeTouchScheduler({ client, ...OPTIONS, maxRetryAttempts: -1 })).toThrow(/maxRetryAttempts/);
    expect(() => new EventBridgeTouchScheduler({ client, ...OPTIONS, maxEventAgeSeconds: 59 })).toThrow(/maxEventAgeSeconds/);
    expect(() => new EventBridgeTouchScheduler({ client, ...OPTIONS, maxEventAgeSeconds: 86_401 })).toThrow(/maxEventAgeSeconds/);
  });
});
