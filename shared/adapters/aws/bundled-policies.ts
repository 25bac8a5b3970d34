import { parsePolicy } from '#shared/domain/policy';
import { deploymentPolicies, type PolicyRegistry } from '#shared/domain/policy-registry';
import { AWS_CHANNELS } from './deployed-channels.ts';

/**
 * Policies an operator chose at deploy time are validated by the CDK app and inlined into the
 * bundle by esbuild (`define`), so a Lambda never starts with a policy nobody validated.
 */
declare const WINBACK_BUNDLED_POLICIES: string | undefined;

export function bundledPolicies(): PolicyRegistry {
  const raw: unknown[] = typeof WINBACK_BUNDLED_POLICIES === 'string' ? (JSON.parse(WINBACK_BUNDLED_POLICIES) as unknown[]) : [];
  return deploymentPolicies(raw.map(parsePolicy), { channels: AWS_CHANNELS });
}
