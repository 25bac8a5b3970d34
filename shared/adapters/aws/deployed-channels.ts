import { CHANNELS, type Channel } from '#shared/domain/channels';

/**
 * The channels every AWS deployment has an adapter for (End User Messaging SMS and SES; the send
 * function's `createSendChannels` builds one for each). Every function plans and decides with
 * the same list, so no touch is ever planned on a channel nothing could send.
 */
export const AWS_CHANNELS: readonly Channel[] = ['sms', 'email'];

/**
 * The channels an AWS deployment has an adapter for only where its settings configure one:
 * WhatsApp through End User Messaging Social, where the operator linked a number; push through a
 * partner's app, where the operator gave its endpoint.
 */
export const AWS_CONFIGURED_CHANNELS: readonly Channel[] = ['whatsapp', 'push'];

/**
 * The channels a deployment sends on: `AWS_CHANNELS` but those its settings leave out (e-mail
 * without a sender address), and those of `AWS_CONFIGURED_CHANNELS` its settings configure, chosen
 * at synth and inlined into every engine bundle, as the policies are. Absent (a bundle built
 * without them, or a test): every channel of `AWS_CHANNELS`.
 * @throws Error naming a channel the deployment has no adapter for
 */
export function deployedChannels(names: readonly string[] | undefined): readonly Channel[] {
  if (names === undefined) return AWS_CHANNELS;
  const known: readonly string[] = [...AWS_CHANNELS, ...AWS_CONFIGURED_CHANNELS];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new Error(
      `deployed channels ${unknown.join(', ')} have no AWS adapter (known: ${AWS_CHANNELS.join(', ')}), nor are they one the settings add (${AWS_CONFIGURED_CHANNELS.join(', ')})`,
    );
  // In the channel table's order, whatever the order given.
  return CHANNELS.filter((channel) => names.includes(channel));
}
