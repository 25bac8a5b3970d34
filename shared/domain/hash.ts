import { createHash, createHmac } from 'node:crypto';

/** A stable number in [0, 1) from the given parts; the same parts always give the same number. */
export function unitHash(...parts: string[]): number {
  const digest = createHash('sha256').update(parts.join('\u001f')).digest();
  // 48 bits keep the division exact in a double.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** A short, stable, name-safe token ([0-9a-f]) for building deterministic identifiers. */
export function shortHash(value: string, length = 16): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/**
 * The pseudonymous customer id kept in KPI output and after erasure. Keyed (HMAC), because a
 * customer id is often a phone number, and a plain hash of a phone number is easy to reverse.
 */
export function pseudonymize(customerId: string, key: string): string {
  return createHmac('sha256', key).update(customerId).digest('hex');
}
