import type { GroupRow } from './queries.ts';

/** A variant by its id, with its policy when the night has variants of more than one policy. */
export function variantName(row: GroupRow, variants: readonly GroupRow[]): string {
  const policies = new Set(variants.map((v) => v.policy_id));
  return policies.size > 1 ? `${row.policy_id ?? ''} ${row.grain_value ?? ''}` : (row.grain_value ?? '');
}
