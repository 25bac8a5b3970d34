import type { EnvironmentConfig } from '#shared/config/lambda-environment';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import type { MessageChannels } from '#shared/ports/message-channel';
import { createSesClient, createSmsClient, createSnsClient, createSocialMessagingClient } from './message-clients.ts';
import { SesEmailChannel } from './ses-email-channel.ts';
import { SnsTaskChannel } from './sns-task-channel.ts';
import { EumSmsChannel } from './sms-channel.ts';
import type { ChannelKeys } from './lambda-engine.ts';
import { PartnerPushChannel } from './partner-push-channel.ts';
import { WhatsAppChannel } from './whatsapp-channel.ts';

/**
 * The channels of the send-touch function, from its `sendChannels` settings: End User Messaging
 * SMS, SES (with the one-click unsubscribe link signed with `unsubscribeKey`; only when the
 * deployment has a sender address), the retention-task
 * topic, and WhatsApp through End User Messaging Social where a phone number id is set (its
 * receipts' callback data sealed with `linkKey`), and partner push where an endpoint is set (signed
 * with its secret). Only that function sends, so only it imports this module and the SDK clients.
 */
export function createSendChannels(
  environment: EnvironmentConfig<'sendChannels'>,
  { unsubscribeKey, linkKey, partnerPushSecret }: ChannelKeys,
): MessageChannels {
  const partnerPushUrl = environment.PARTNER_PUSH_URL;
  const whatsAppNumber = environment.WHATSAPP_PHONE_NUMBER_ID;
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
    // Only where the operator linked a WhatsApp Business Account: the deployment then lists WhatsApp among its channels.
    ...(whatsAppNumber
      ? {
          whatsapp: new WhatsAppChannel({
            client: createSocialMessagingClient(),
            originationPhoneNumberId: whatsAppNumber,
            callbackKey: linkKey,
          }),
        }
      : {}),
    // Only where the operator has a partner push: its endpoint and its signing secret.
    ...(partnerPushUrl && partnerPushSecret
      ? { push: new PartnerPushChannel({ endpoint: partnerPushUrl, secret: partnerPushSecret }) }
      : {}),
  };
}
