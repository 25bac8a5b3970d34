import { PinpointSMSVoiceV2Client, type PinpointSMSVoiceV2ClientConfig } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { SocialMessagingClient, type SocialMessagingClientConfig } from '@aws-sdk/client-socialmessaging';
import { httpFor, MESSAGE_CALL, RetryOnlyUnsentStrategy, SNS_MAX_ATTEMPTS } from './clients.ts';

/*
 * The clients of the send-touch function only, apart from `clients.ts`: a module that imports
 * an SDK client package costs every function that bundles it its load at cold start.
 */

/** The End User Messaging SMS (Pinpoint SMS Voice v2) client for {@link EumSmsChannel}. */
export function createSmsClient(overrides: PinpointSMSVoiceV2ClientConfig = {}): PinpointSMSVoiceV2Client {
  return new PinpointSMSVoiceV2Client({
    maxAttempts: MESSAGE_CALL.maxAttempts,
    retryStrategy: new RetryOnlyUnsentStrategy(MESSAGE_CALL.maxAttempts),
    requestHandler: httpFor(MESSAGE_CALL),
    ...overrides,
  });
}

/** The SES v2 client for {@link SesEmailChannel}. */
export function createSesClient(overrides: SESv2ClientConfig = {}): SESv2Client {
  return new SESv2Client({
    maxAttempts: MESSAGE_CALL.maxAttempts,
    retryStrategy: new RetryOnlyUnsentStrategy(MESSAGE_CALL.maxAttempts),
    requestHandler: httpFor(MESSAGE_CALL),
    ...overrides,
  });
}

/** The End User Messaging Social client for {@link WhatsAppChannel}: retried only when nothing was sent. */
export function createSocialMessagingClient(overrides: SocialMessagingClientConfig = {}): SocialMessagingClient {
  return new SocialMessagingClient({
    maxAttempts: MESSAGE_CALL.maxAttempts,
    retryStrategy: new RetryOnlyUnsentStrategy(MESSAGE_CALL.maxAttempts),
    requestHandler: httpFor(MESSAGE_CALL),
    ...overrides,
  });
}

/**
 * The SNS client for {@link SnsTaskChannel}: the SDK's standard retries, 5xx included, since a
 * task notified twice costs a second e-mail to the team and nothing else.
 */
export function createSnsClient(overrides: SNSClientConfig = {}): SNSClient {
  return new SNSClient({ retryMode: 'standard', maxAttempts: SNS_MAX_ATTEMPTS, requestHandler: httpFor(MESSAGE_CALL), ...overrides });
}
