import { parsePolicy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';

/**
 * Policies an operator chose at deploy time are validated by the CDK app and inlined into the
 * bundle by esbuild (`define`), so a Lambda never starts with a policy nobody validated.
 */
declare const WINBACK_BUNDLED_POLICIES: string | undefined;

export function bundledPolicies(): PolicyRegistry {
  const raw: unknown[] = typeof WINBACK_BUNDLED_POLICIES === 'string' ? (JSON.parse(WINBACK_BUNDLED_POLICIES) as unknown[]) : [];
  return new PolicyRegistry((raw.length > 0 ? raw : [telecomPortOut]).map(parsePolicy));
}
