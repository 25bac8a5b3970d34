import type { Policy } from './policy.ts';
import type { PolicyRegistry } from './policy-registry.ts';
import { ChurnKind } from './vocabulary.ts';

/**
 * What the loaded policies plan: for the local runner's banner and the deployment's synth
 * warnings, so an operator whose own policy file covers fewer churns than the embedded policies
 * did is told which churns nothing plans any more, instead of finding `no_policy_for_churn` in
 * the decision log. The embedded policies are not kept planning what the operator's files leave
 * out: their texts are sample copy, and sample copy must never reach a real customer because a
 * file forgot a churn kind.
 */

/** What one planning policy applies to; `markets` and `brands` absent: all of them. */
export interface PolicyScope {
  /** `id@version`. */
  policy: string;
  churnKinds: readonly ChurnKind[];
  markets?: readonly string[];
  brands?: readonly string[];
}

/** A churn kind not every churn of which is planned: by no policy at all, or only within some markets or brands. */
export interface CoverageGap {
  churnKind: ChurnKind;
  /** The scopes that do plan some churns of this kind (empty: none does). */
  partly: readonly PolicyScope[];
}

export function scopeOf(policy: Policy): PolicyScope {
  const { markets, brands } = policy.appliesTo;
  return {
    policy: `${policy.id}@${policy.version}`,
    churnKinds: policy.churnKinds,
    ...(markets ? { markets } : {}),
    ...(brands ? { brands } : {}),
  };
}

/** What each policy that plans new journeys applies to, in order of precedence. */
export function planningScopes(registry: PolicyRegistry): PolicyScope[] {
  return registry.planningPolicies().map(scopeOf);
}

/** The churn kinds some churns of which no policy plans, in the vocabulary's order. */
export function coverageGaps(registry: PolicyRegistry): CoverageGap[] {
  const scopes = planningScopes(registry);
  return ChurnKind.options.flatMap((churnKind) => {
    const listing = scopes.filter((scope) => scope.churnKinds.includes(churnKind));
    const everywhere = listing.some((scope) => !scope.markets && !scope.brands);
    return everywhere ? [] : [{ churnKind, partly: listing }];
  });
}

/** `port_out` / `markets ES, PT; brands b1` / `all markets and brands`: a scope in words. */
export function describeScope(scope: Omit<PolicyScope, 'policy' | 'churnKinds'>): string {
  const parts = [scope.markets ? `markets ${scope.markets.join(', ')}` : '', scope.brands ? `brands ${scope.brands.join(', ')}` : ''];
  return parts.filter(Boolean).join('; ') || 'all markets and brands';
}

/** One line per gap, saying which churns nothing plans (empty when every churn is planned). */
export function coverageWarnings(registry: PolicyRegistry): string[] {
  return coverageGaps(registry).map(({ churnKind, partly }) =>
    partly.length === 0
      ? `no policy plans ${churnKind} churns: they get no journey (decision log: ineligible, no_policy_for_churn); add a policy for them if they should be won back`
      : `${churnKind} churns are planned only for ${partly.map((scope) => `${describeScope(scope)} (${scope.policy})`).join(' or ')}; others get no journey (no_policy_for_churn)`,
  );
}
