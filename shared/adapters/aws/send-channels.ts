import type { EnvironmentConfig } from '#shared/config/lambda-environment';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import type { MessageChannels } from '#shared/ports/message-channel';
import { createSesClient, createSmsClient, createSnsClient } from './message-clients.ts';
import { SesEmailChannel } from './ses-email-channel.ts';
import { SnsTaskChannel } from './sns-task-channel.ts';
import { EumSmsChannel } from './sms-channel.ts';

/**
 * The channels of the send-touch function, from its `sendChannels` settings: End User Messaging
 * SMS, SES (with the one-click unsubscribe link signed with `unsubscribeKey`; only when the
 * deployment has a sender address) and the retention-task topic. Only that function sends, so
 * only it imports this module and the three SDK clients.
 */
export function createSendChannels(
  environment: EnvironmentConfig<'sendChannels'>,
  { unsubscribeKey }: { unsubscribeKey: string },
): MessageChannels {
  const unsubscribeBase = environment.UNSUBSCRIBE_BASE_URL;
  const originationIdentity = environment.SMS_ORIGINATION_IDENTITY;
  const { SES_FROM_ADDRESS: fromAddress, SES_CONFIGURATION_SET: configurationSetName } = environment;
  return {
    sms: new EumSmsChannel({
      client: createSmsClient(),
      configurationSetName: environment.SMS_CONFIGURATION_SET,
      messageType: environment.SMS_MESSAGE_TYPE,
      ...(originationIdentity ? { originationIdentity } : {}),
    }),
    ...(fromAddress && configurationSetName
      ? {
          email: new SesEmailChannel({
            client: createSesClient(),
            fromAddress,
            configurationSetName,
            unsubscribeUrl: (message) =>
              `${unsubscribeBase}?token=${encodeURIComponent(signUnsubscribeToken({ customerId: message.customerId, channel: 'email' }, unsubscribeKey))}`,
          }),
        }
      : {}),
    task: new SnsTaskChannel({ client: createSnsClient(), topicArn: environment.RETENTION_TASK_TOPIC_ARN }),
  };
}
