import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import type { MessageChannels } from '#shared/ports/message-channel';
import { optionalEnv, requireEnv } from './environment.ts';
import { createSesClient, createSmsClient, createSnsClient } from './message-clients.ts';
import { SesEmailChannel } from './ses-email-channel.ts';
import { SnsTaskChannel } from './sns-task-channel.ts';
import { EumSmsChannel } from './sms-channel.ts';

/**
 * The channels of the send-touch function: End User Messaging SMS, SES (with the one-click
 * unsubscribe link signed with `unsubscribeKey`) and the retention-task topic. Only that function
 * sends, so only it imports this module and the three SDK clients.
 */
export function createSendChannels({ unsubscribeKey }: { unsubscribeKey: string }): MessageChannels {
  const unsubscribeBase = requireEnv('UNSUBSCRIBE_BASE_URL');
  const originationIdentity = optionalEnv('SMS_ORIGINATION_IDENTITY');
  return {
    sms: new EumSmsChannel({
      client: createSmsClient(),
      configurationSetName: requireEnv('SMS_CONFIGURATION_SET'),
      messageType: optionalEnv('SMS_MESSAGE_TYPE') === 'TRANSACTIONAL' ? 'TRANSACTIONAL' : 'PROMOTIONAL',
      ...(originationIdentity ? { originationIdentity } : {}),
    }),
    email: new SesEmailChannel({
      client: createSesClient(),
      fromAddress: requireEnv('SES_FROM_ADDRESS'),
      configurationSetName: requireEnv('SES_CONFIGURATION_SET'),
      unsubscribeUrl: (message) =>
        `${unsubscribeBase}?token=${encodeURIComponent(signUnsubscribeToken({ customerId: message.customerId, channel: 'email' }, unsubscribeKey))}`,
    }),
    task: new SnsTaskChannel({ client: createSnsClient(), topicArn: requireEnv('RETENTION_TASK_TOPIC_ARN') }),
  };
}
