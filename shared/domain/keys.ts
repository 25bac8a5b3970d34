import { createHmac } from 'node:crypto';

/**
 * Derives a purpose-bound key from the deployment's one master secret, so one secret serves
 * pseudonymous ids, unsubscribe links, the phone-number lookup of inbound SMS and the keys of
 * event receipts and tracked links without any key revealing another.
 */
export function deriveKey(
  masterKey: string,
  purpose: 'customer-id-hash' | 'unsubscribe-link' | 'phone-lookup' | 'event-receipt' | 'tracked-link',
): string {
  return createHmac('sha256', masterKey).update(`winback/${purpose}`).digest('hex');
}
