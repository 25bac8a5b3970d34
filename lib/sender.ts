import { z } from 'zod';
import { AWS_CHANNELS, AWS_CONFIGURED_CHANNELS } from '#shared/adapters/aws/deployed-channels';
import type { Channel } from '#shared/domain/channels';

/**
 * The e-mail sender of a deployment (`sesFromAddress`): optional, since a deployment without one
 * simply sends no e-mail; never an address on a domain reserved for examples, which passes any
 * address check and can never be verified in SES.
 */

/** Top-level domains reserved for testing and documentation (RFC 2606, RFC 6761). */
const RESERVED_TLDS = ['test', 'example', 'invalid', 'localhost'];
/** Second-level domains reserved for examples (RFC 2606). */
const RESERVED_DOMAINS = ['example.com', 'example.net', 'example.org'];

/** The reserved domain an address or domain is on (`example.com`, `.test`…), or undefined. */
export function reservedExampleDomain(addressOrDomain: string): string | undefined {
  const domain = addressOrDomain
    .slice(addressOrDomain.lastIndexOf('@') + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  const tld = domain.slice(domain.lastIndexOf('.') + 1);
  if (RESERVED_TLDS.includes(tld)) return `.${tld}`;
  return RESERVED_DOMAINS.find((reserved) => domain === reserved || domain.endsWith(`.${reserved}`));
}

/** `sesFromAddress` as the settings check it (absence is allowed by the settings schema). */
export const SenderAddress = z.email().superRefine((address, context) => {
  const reserved = reservedExampleDomain(address);
  if (reserved)
    context.addIssue({
      code: 'custom',
      message: `${address} is on ${reserved}, a domain reserved for examples (RFC 2606): nothing can be sent from it. Set the address of your verified SES identity, or "" to deploy without e-mail`,
    });
});

/** What of the settings says which channels a deployment sends on. */
export interface ChannelSettings {
  sesFromAddress?: string | undefined;
  /** A WhatsApp number linked in End User Messaging Social. */
  whatsapp?: unknown;
  /** A partner's endpoint for push messages. */
  partnerPush?: unknown;
}

/**
 * The channels a deployment sends on: every AWS channel, but e-mail only with a sender address,
 * WhatsApp where the settings link a number, and push where they give a partner's endpoint.
 */
export function deployedChannelsOf(settings: ChannelSettings): Channel[] {
  const setting = { whatsapp: settings.whatsapp, push: settings.partnerPush } as Partial<Record<Channel, unknown>>;
  const configured = AWS_CONFIGURED_CHANNELS.filter((channel) => setting[channel] !== undefined);
  return [...AWS_CHANNELS.filter((channel) => channel !== 'email' || settings.sesFromAddress !== undefined), ...configured];
}
