import type { PolicyInput } from '../policy.ts';

/**
 * Marks a policy literal as released: deeply frozen, so no code (nor a test) can change a version
 * that journeys already run on. A change is a new version, in a file of its own.
 */
export function released(policy: PolicyInput): PolicyInput {
  return deepFreeze(policy);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
