import type { MarketWindowInput } from '#shared/domain/legal-send-windows';
import { parsePolicy } from '#shared/domain/policy';
import { deploymentPolicies, type PolicyRegistry } from '#shared/domain/policy-registry';
import { AWS_CHANNELS } from './deployed-channels.ts';

/**
 * Policies and legal send windows an operator chose at deploy time are validated by the CDK app
 * and inlined into the bundle by esbuild (`define`), so a Lambda never starts with a policy or a
 * legal table nobody validated.
 */
declare const WINBACK_BUNDLED_POLICIES: string | undefined;
declare const WINBACK_BUNDLED_LEGAL_SEND_WINDOWS: string | undefined;

export function bundledPolicies(): PolicyRegistry {
  const raw: unknown[] = typeof WINBACK_BUNDLED_POLICIES === 'string' ? (JSON.parse(WINBACK_BUNDLED_POLICIES) as unknown[]) : [];
  const legalSendWindows: MarketWindowInput[] =
    typeof WINBACK_BUNDLED_LEGAL_SEND_WINDOWS === 'string' ? (JSON.parse(WINBACK_BUNDLED_LEGAL_SEND_WINDOWS) as MarketWindowInput[]) : [];
  return deploymentPolicies(raw.map(parsePolicy), { legalSendWindows, channels: AWS_CHANNELS });
}
