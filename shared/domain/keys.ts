import { createHmac } from 'node:crypto';

/**
 * Derives a purpose-bound key from the deployment's one master secret, so one secret serves
 * pseudonymous ids and unsubscribe links without either key revealing the other.
 */
export function deriveKey(masterKey: string, purpose: 'customer-id-hash' | 'unsubscribe-link'): string {
  return createHmac('sha256', masterKey).update(`winback/${purpose}`).digest('hex');
}
