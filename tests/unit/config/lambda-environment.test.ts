import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_GROUPS,
  EnvironmentError,
  environmentVariables,
  LAMBDA_ENVIRONMENTS,
  NIGHTLY_DEFAULTS,
  readLambdaEnvironment,
  variablesOf,
  type EnvironmentGroup,
} from '#shared/config/lambda-environment';
import { SettingsSchema } from '#lib/settings';

/** A complete engine environment, as the CDK sets it (resource names resolved). */
const ENGINE = {
  TABLE_NAME: 'WinbackData-Journeys',
  KEYS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:WinbackEngine-Keys-AbCdEf',
  SCHEDULE_GROUP_NAME: 'WinbackEngine-touches',
  SEND_TOUCH_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:WinbackEngine-send-touch',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/WinbackEngine-SchedulerRole',
  TIMER_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:WinbackEngine-TimerDeadLetters',
};
const SEND_CHANNELS = {
  UNSUBSCRIBE_BASE_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/api/v1/unsubscribe',
  LINK_BASE_URL: 'https://go.example.com',
  SES_FROM_ADDRESS: 'winback@example.com',
  SES_CONFIGURATION_SET: 'WinbackEngine-email',
  SMS_CONFIGURATION_SET: 'WinbackEngine-sms',
  RETENTION_TASK_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:WinbackEngine-RetentionTasks',
};

/** What a failed read throws. */
function failure(read: () => unknown): EnvironmentError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentError);
    return error as EnvironmentError;
  }
  throw new Error('the environment was accepted');
}

describe('readLambdaEnvironment', () => {
  it('names every missing variable of every group the function reads, in one message', () => {
    // Act
    const error = failure(() =>
      readLambdaEnvironment('send-touch', { TABLE_NAME: ENGINE.TABLE_NAME, ...SEND_CHANNELS, SES_FROM_ADDRESS: '' }),
    );

    // Assess: an empty value counts as missing, as before.
    expect(error.variables).toEqual([
      'KEYS_SECRET_ARN',
      'SCHEDULE_GROUP_NAME',
      'SEND_TOUCH_FUNCTION_ARN',
      'SCHEDULER_ROLE_ARN',
      'TIMER_DLQ_ARN',
      'SES_FROM_ADDRESS',
    ]);
    expect(error.message).toBe(
      'Invalid environment of the send-touch function: KEYS_SECRET_ARN is missing; SCHEDULE_GROUP_NAME is missing; ' +
        'SEND_TOUCH_FUNCTION_ARN is missing; SCHEDULER_ROLE_ARN is missing; TIMER_DLQ_ARN is missing; SES_FROM_ADDRESS is missing',
    );
  });

  it('names each malformed value, with what it must be', () => {
    const error = failure(() =>
      readLambdaEnvironment('nightly', {
        ...ENGINE,
        LAKE_BUCKET: 'winback-lake',
        COST_PER_ACQUISITION: 'lots',
        SCAN_SEGMENTS: '65',
        KPI_ENGINE: 'spark',
      }),
    );
    expect(error.variables).toEqual(['COST_PER_ACQUISITION', 'SCAN_SEGMENTS', 'KPI_ENGINE']);
    expect(error.message).toContain('COST_PER_ACQUISITION must be a number');
    expect(error.message).toContain('SCAN_SEGMENTS must be 1–64');
    expect(error.message).toContain('KPI_ENGINE must be "in-process" or "athena"');

    const send = failure(() => readLambdaEnvironment('send-touch', { ...ENGINE, ...SEND_CHANNELS, SMS_MESSAGE_TYPE: 'LOUD' }));
    expect(send.message).toBe('Invalid environment of the send-touch function: SMS_MESSAGE_TYPE must be "PROMOTIONAL" or "TRANSACTIONAL"');
    for (const [value, message] of [
      ['2.5', 'must be a whole number'],
      ['0', 'must be 1–64'],
      [' ', 'must be a number'],
    ]) {
      const segments = failure(() => readLambdaEnvironment('nightly', { ...ENGINE, LAKE_BUCKET: 'b', SCAN_SEGMENTS: value }));
      expect(segments.message, value).toBe(`Invalid environment of the nightly function: SCAN_SEGMENTS ${message}`);
    }
    const cost = failure(() => readLambdaEnvironment('nightly', { ...ENGINE, LAKE_BUCKET: 'b', COST_PER_ACQUISITION: '-5' }));
    expect(cost.message).toContain('COST_PER_ACQUISITION must be a positive amount');
  });

  it('applies the defaults, the same the operator settings fill in at synth', () => {
    // Act
    const nightly = readLambdaEnvironment('nightly', { ...ENGINE, LAKE_BUCKET: 'winback-lake' });
    const send = readLambdaEnvironment('send-touch', { ...ENGINE, ...SEND_CHANNELS, SMS_ORIGINATION_IDENTITY: '' });

    // Assess
    expect(nightly).toEqual({
      engine: ENGINE,
      nightly: {
        LAKE_BUCKET: 'winback-lake',
        COST_PER_ACQUISITION: 150,
        SCAN_SEGMENTS: 4,
        KPI_ENGINE: 'in-process',
        ATHENA_WORKGROUP: undefined,
        ATHENA_DATABASE: undefined,
      },
    });
    expect(send.sendChannels).toMatchObject({ SMS_MESSAGE_TYPE: 'PROMOTIONAL', SMS_ORIGINATION_IDENTITY: undefined });
    const settings = SettingsSchema.parse({ sesFromAddress: 'winback@mail.operator-test.eu' });
    expect({ costPerAcquisition: settings.costPerAcquisition, scanSegments: settings.scanSegments, kpiEngine: settings.kpiEngine }).toEqual(
      NIGHTLY_DEFAULTS,
    );
  });

  it('reads numbers as numbers, and needs the Athena names only with the Athena engine', () => {
    const athena = { ...ENGINE, LAKE_BUCKET: 'winback-lake', COST_PER_ACQUISITION: '99.5', SCAN_SEGMENTS: '8', KPI_ENGINE: 'athena' };
    expect(failure(() => readLambdaEnvironment('nightly', athena)).message).toBe(
      'Invalid environment of the nightly function: ATHENA_WORKGROUP is missing (KPI_ENGINE is athena); ATHENA_DATABASE is missing (KPI_ENGINE is athena)',
    );
    const config = readLambdaEnvironment('nightly', { ...athena, ATHENA_WORKGROUP: 'WinbackEngine-kpis', ATHENA_DATABASE: 'winback' });
    expect(config.nightly).toMatchObject({
      COST_PER_ACQUISITION: 99.5,
      SCAN_SEGMENTS: 8,
      KPI_ENGINE: 'athena',
      ATHENA_DATABASE: 'winback',
    });
  });

  it('reads only the groups the function reads', () => {
    expect(readLambdaEnvironment('api', { ...ENGINE, SES_FROM_ADDRESS: '' })).toEqual({ engine: ENGINE });
    expect(failure(() => readLambdaEnvironment('engagement', {})).variables).toEqual(variablesOf('engine'));
  });
});

describe('the environment groups', () => {
  it('name each variable once', () => {
    const names = (Object.keys(ENVIRONMENT_GROUPS) as EnvironmentGroup[]).flatMap(variablesOf);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    expect(names.every((name) => /^[A-Z][A-Z0-9_]*$/.test(name))).toBe(true);
    // Every Lambda reads the engine group, and no function reads the runtime group itself.
    for (const groups of Object.values(LAMBDA_ENVIRONMENTS)) {
      expect(groups).toContain('engine');
      expect(groups).not.toContain('runtime');
    }
  });
});

describe('environmentVariables', () => {
  it('writes each value as text, leaves absent ones out, and reads back as written', () => {
    // Act
    const variables = environmentVariables('nightly', {
      LAKE_BUCKET: 'winback-lake',
      COST_PER_ACQUISITION: 120,
      SCAN_SEGMENTS: 8,
      KPI_ENGINE: 'athena',
      ATHENA_WORKGROUP: 'WinbackEngine-kpis',
      ATHENA_DATABASE: 'winback',
    });
    const defaults = environmentVariables('nightly', { LAKE_BUCKET: 'winback-lake', SCAN_SEGMENTS: undefined });

    // Assess
    expect(variables).toEqual({
      LAKE_BUCKET: 'winback-lake',
      COST_PER_ACQUISITION: '120',
      SCAN_SEGMENTS: '8',
      KPI_ENGINE: 'athena',
      ATHENA_WORKGROUP: 'WinbackEngine-kpis',
      ATHENA_DATABASE: 'winback',
    });
    expect(defaults).toEqual({ LAKE_BUCKET: 'winback-lake' });
    expect(readLambdaEnvironment('nightly', { ...ENGINE, ...variables }).nightly).toEqual({
      LAKE_BUCKET: 'winback-lake',
      COST_PER_ACQUISITION: 120,
      SCAN_SEGMENTS: 8,
      KPI_ENGINE: 'athena',
      ATHENA_WORKGROUP: 'WinbackEngine-kpis',
      ATHENA_DATABASE: 'winback',
    });
  });

  it('refuses a variable outside the group, naming the group', () => {
    // The types refuse it written in place; a value built elsewhere can still carry one.
    const values = { TABLE_NAME: 'journeys', LAKE_BUCKET: 'winback-lake' } as unknown as Parameters<
      typeof environmentVariables<'engine'>
    >[1];
    expect(() => environmentVariables('engine', values)).toThrow(/LAKE_BUCKET is not a variable of the engine environment/);
  });
});

describe('a feature’s group (partner push)', () => {
  it('is read where its variables are set, and left out where none is', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:WinbackEngine-PartnerPush-AbCdEf';
    expect(readLambdaEnvironment('api', { ...ENGINE, PARTNER_PUSH_SECRET_ARN: arn }).partnerPush).toEqual({ PARTNER_PUSH_SECRET_ARN: arn });
    expect(readLambdaEnvironment('send-touch', { ...ENGINE, ...SEND_CHANNELS, PARTNER_PUSH_SECRET_ARN: '' })).not.toHaveProperty(
      'partnerPush',
    );
  });
});
