import { PriceSettingsSchema } from '#shared/domain/default-prices';
import type { MarketWindowInput } from '#shared/domain/legal-send-windows';
import { parsePolicy } from '#shared/domain/policy';
import { deploymentPolicies, type PolicyRegistry } from '#shared/domain/policy-registry';
import { type PriceTable, priceCurrencyIssues } from '#shared/domain/pricing';
import { deployedChannels } from './deployed-channels.ts';

/**
 * Policies, legal send windows, the price table and the channels an operator chose at deploy time
 * are validated by the CDK app and inlined into the bundle by esbuild (`define`), so a Lambda never
 * starts with a policy, a legal table, prices or channels nobody validated.
 */
declare const WINBACK_BUNDLED_POLICIES: string | undefined;
declare const WINBACK_BUNDLED_CHANNELS: string | undefined;
declare const WINBACK_BUNDLED_LEGAL_SEND_WINDOWS: string | undefined;
declare const WINBACK_BUNDLED_PRICES: string | undefined;

/** The deployment's registry; `idKey` keys journey ids and timer names (the engine's `idHashKey`). */
export function bundledPolicies(idKey?: string): PolicyRegistry {
  const raw: unknown[] = typeof WINBACK_BUNDLED_POLICIES === 'string' ? (JSON.parse(WINBACK_BUNDLED_POLICIES) as unknown[]) : [];
  const legalSendWindows: MarketWindowInput[] =
    typeof WINBACK_BUNDLED_LEGAL_SEND_WINDOWS === 'string' ? (JSON.parse(WINBACK_BUNDLED_LEGAL_SEND_WINDOWS) as MarketWindowInput[]) : [];
  const channels = deployedChannels(
    typeof WINBACK_BUNDLED_CHANNELS === 'string' ? (JSON.parse(WINBACK_BUNDLED_CHANNELS) as string[]) : undefined,
  );
  return deploymentPolicies(raw.map(parsePolicy), { legalSendWindows, channels, ...(idKey !== undefined ? { idKey } : {}) });
}

/**
 * The deployment's price table (the defaults unless the operator set `prices`). Checked again
 * against the policies at cold start: a policy in a currency the table cannot price in fails the
 * start, naming the policy and both currencies (the CDK app refused it at synth already).
 */
export function bundledPrices(policies: PolicyRegistry): PriceTable {
  const table = PriceSettingsSchema.parse(typeof WINBACK_BUNDLED_PRICES === 'string' ? JSON.parse(WINBACK_BUNDLED_PRICES) : undefined);
  const issues = priceCurrencyIssues(table, policies.versions());
  if (issues.length > 0) throw new Error(`Invalid price table: ${issues.join('; ')}`);
  return table;
}
