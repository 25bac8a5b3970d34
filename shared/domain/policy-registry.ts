import type { ChurnKind } from './vocabulary.ts';
import { parsePolicy, type Policy } from './policy.ts';
import { telecomPortOut } from './policies/telecom-port-out.ts';

/**
 * Every policy version the engine knows. New journeys take the first policy that covers their
 * churn kind; a running journey keeps the exact version it was planned with.
 */
export class PolicyRegistry {
  private readonly byKey = new Map<string, Policy>();

  constructor(private readonly policies: readonly Policy[]) {
    if (policies.length === 0) throw new Error('PolicyRegistry needs at least one policy');
    for (const policy of policies) this.byKey.set(PolicyRegistry.key(policy.id, policy.version), policy);
  }

  private static key(id: string, version: string): string {
    return `${id}@${version}`;
  }

  /** The policy that plans a new journey for this churn kind, or undefined if none covers it. */
  forChurn(churnKind: ChurnKind): Policy | undefined {
    return this.policies.find((policy) => policy.churnKinds.includes(churnKind));
  }

  /** The exact version a journey was planned with. */
  get(id: string, version: string): Policy {
    const policy = this.byKey.get(PolicyRegistry.key(id, version));
    if (!policy) throw new Error(`policy ${id}@${version} is not loaded`);
    return policy;
  }
}

/**
 * The registry a deployment runs with: the operator's policies first (new journeys take the
 * first that covers their churn kind; list every version still in use by running journeys),
 * then the embedded default, always kept so journeys planned with it go on after an operator
 * switches to a policy of their own.
 */
export function deploymentPolicies(operatorPolicies: readonly Policy[]): PolicyRegistry {
  const fallback = parsePolicy(telecomPortOut);
  const known = operatorPolicies.some((p) => p.id === fallback.id && p.version === fallback.version);
  return new PolicyRegistry(known ? operatorPolicies : [...operatorPolicies, fallback]);
}
