import { describe, expect, it } from 'vitest';
import { EnvironmentError, readLambdaEnvironment } from '#shared/config/lambda-environment';
import { deployedChannels } from '#shared/adapters/aws/deployed-channels';

const ENGINE = {
  TABLE_NAME: 'WinbackData-Journeys',
  KEYS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:WinbackEngine-Keys-AbCdEf',
  SCHEDULE_GROUP_NAME: 'WinbackEngine-touches',
  SEND_TOUCH_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:WinbackEngine-send-touch',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/WinbackEngine-SchedulerRole',
  TIMER_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:WinbackEngine-TimerDeadLetters',
};
/** The send function's channels without e-mail: what CDK sets without a sender address. */
const SMS_ONLY = {
  UNSUBSCRIBE_BASE_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/api/v1/unsubscribe',
  SMS_CONFIGURATION_SET: 'WinbackEngine-sms',
  RETENTION_TASK_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:WinbackEngine-RetentionTasks',
};

const messageOf = (read: () => unknown): string => {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('the send function without e-mail', () => {
  it('reads neither SES variable when neither is set', () => {
    const config = readLambdaEnvironment('send-touch', { ...ENGINE, ...SMS_ONLY });
    expect(config.sendChannels).toMatchObject({ SES_FROM_ADDRESS: undefined, SES_CONFIGURATION_SET: undefined });
  });

  it('names the one missing when only the other is set, in the group’s order, beside any other fault', () => {
    expect(
      messageOf(() => readLambdaEnvironment('send-touch', { ...ENGINE, ...SMS_ONLY, SES_CONFIGURATION_SET: 'WinbackEngine-email' })),
    ).toBe('Invalid environment of the send-touch function: SES_FROM_ADDRESS is missing');
    expect(
      messageOf(() =>
        readLambdaEnvironment('send-touch', { ...ENGINE, ...SMS_ONLY, SES_FROM_ADDRESS: 'a@b.co', SMS_MESSAGE_TYPE: 'LOUD' }),
      ),
    ).toBe(
      'Invalid environment of the send-touch function: SES_CONFIGURATION_SET is missing; SMS_MESSAGE_TYPE must be "PROMOTIONAL" or "TRANSACTIONAL"',
    );
  });
});

describe('the deployed channels a bundle is built with', () => {
  it('are every AWS channel when the bundle names none, in the channel table’s order otherwise', () => {
    expect(deployedChannels(undefined)).toEqual(['sms', 'email']);
    expect(deployedChannels(['email', 'sms'])).toEqual(['sms', 'email']);
    expect(deployedChannels(['sms'])).toEqual(['sms']);
  });

  it('refuse a channel the AWS deployment has no adapter for', () => {
    expect(() => deployedChannels(['sms', 'pigeon'])).toThrow('deployed channels pigeon have no AWS adapter (known: sms, email)');
  });
});
