import { createHmac, hash } from 'node:crypto';

// One-shot `hash` rather than `createHash().update().digest()`: the same SHA-256, in half the
// time (no Hash object per call), and the engine hashes several times per event.

/** A stable number in [0, 1) from the given parts; the same parts always give the same number. */
export function unitHash(...parts: string[]): number {
  // The first 48 bits (12 hex digits): the division stays exact in a double.
  return Number.parseInt(hash('sha256', parts.join('\u001f'), 'hex').slice(0, 12), 16) / 2 ** 48;
}

/** A short, stable, name-safe token ([0-9a-f]) for building deterministic identifiers. */
export function shortHash(value: string, length = 16): string {
  return hash('sha256', value, 'hex').slice(0, length);
}

/**
 * The pseudonymous customer id kept in KPI output and after erasure. Keyed (HMAC), because a
 * customer id is often a phone number, and a plain hash of a phone number is easy to reverse.
 */
export function pseudonymize(customerId: string, key: string): string {
  return createHmac('sha256', key).update(customerId).digest('hex');
}
