import type { Channel } from '#shared/domain/channels';

/**
 * The channels the AWS deployment has an adapter for (End User Messaging SMS and SES; the send
 * function's `createSendChannels` builds one for each). Every function plans and decides with
 * the same list, so no touch is ever planned on a channel nothing could send.
 */
export const AWS_CHANNELS: readonly Channel[] = ['sms', 'email'];
