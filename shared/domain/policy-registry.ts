import { CHANNELS, type Channel } from './channels.ts';
import type { ChurnKind } from './vocabulary.ts';
import { deploymentLegalSendWindows, LEGAL_SEND_WINDOWS, type LegalSendWindows, type MarketWindowInput } from './legal-send-windows.ts';
import { parsePolicy, type Policy } from './policy.ts';
import { Pseudonyms } from './pseudonyms.ts';
import type { SendWindow } from './send-window.ts';
import { sendWindowFor } from './targeting.ts';
import { subscriptionV1, subscriptionV2 } from './policies/subscription.ts';
import { telecomPortOutV1, telecomPortOutV2, telecomPortOutV3 } from './policies/telecom-port-out.ts';

/** What selects the policy for a new journey: the churn's kind, market and brand. */
export interface PolicySelector {
  churnKind: ChurnKind;
  market?: string | undefined;
  brand?: string | undefined;
}

/** Whether a policy plans this churn: its kind, and its markets (a country takes its subdivisions) and brands if it names them. */
export function policyApplies(policy: Pick<Policy, 'churnKinds' | 'appliesTo'>, selector: PolicySelector): boolean {
  const { markets, brands } = policy.appliesTo;
  const market = selector.market;
  return (
    policy.churnKinds.includes(selector.churnKind) &&
    (!markets || (market !== undefined && (markets.includes(market) || markets.includes(market.split('-')[0]!)))) &&
    (!brands || (selector.brand !== undefined && brands.includes(selector.brand)))
  );
}

/**
 * Every policy version the engine knows, so a running journey keeps the exact version it was
 * planned with. New journeys take the first listed policy that applies to their churn (kind,
 * market, brand); of several versions of one policy id, only the first listed plans new
 * journeys, the others finish the journeys already planned with them. It also holds the
 * deployment's legal send windows, which every policy's send window is narrowed by.
 */
/** What a deployment runs its policies with besides the policies themselves. */
export interface RegistryOptions {
  legal?: LegalSendWindows;
  channels?: readonly Channel[];
  /**
   * The deployment's pseudonym key (`deriveKey(masterKey, 'customer-id-hash')`, the engine's
   * `idHashKey`): journey ids and timer names are keyed with it. Without it they are the plain
   * hashes of tests and tools that keep nothing.
   */
  idKey?: string;
}

export class PolicyRegistry {
  private readonly byKey = new Map<string, Policy>();
  private readonly current: Policy[];
  private readonly routedTeams: string[];
  private readonly undeployed = new Map<string, Channel[]>();
  private readonly legal: LegalSendWindows;
  readonly deployedChannels: readonly Channel[];
  /** How journey ids and timer names are derived in this deployment. */
  readonly pseudonyms: Pseudonyms;

  /**
   * @param policies the policies that plan new journeys, in order of precedence
   * @param retired versions kept only to finish the journeys planned with them
   * @param options.legal the deployment's legal send windows by market; the embedded table unless given
   * @param options.channels the channels this runtime has an adapter for: a policy's other
   *   channels are never planned or sent on (the policies the registry hands out list only these)
   */
  constructor(policies: readonly Policy[], retired: readonly Policy[] = [], options: RegistryOptions = {}) {
    this.legal = options.legal ?? LEGAL_SEND_WINDOWS;
    this.deployedChannels = options.channels ?? CHANNELS;
    this.pseudonyms = new Pseudonyms(options.idKey);
    if (policies.length === 0) throw new Error('PolicyRegistry needs at least one policy');
    const deployedView = new Map([...policies, ...retired].map((policy) => [policy, this.deployed(policy)]));
    policies = policies.map((policy) => deployedView.get(policy)!);
    retired = retired.map((policy) => deployedView.get(policy)!);
    for (const policy of [...policies, ...retired]) {
      const key = PolicyRegistry.key(policy.id, policy.version);
      if (this.byKey.has(key)) throw new Error(`policy ${key} is listed twice`);
      this.byKey.set(key, policy);
    }
    this.current = policies.filter((policy) => policies.find((p) => p.id === policy.id) === policy);
    this.routedTeams = [
      ...new Set([...this.byKey.values()].flatMap((policy) => policy.escalation?.routes.map((route) => route.team) ?? [])),
    ].sort();
  }

  /** The policy as this deployment runs it: only its deployed channels; the others remembered, to say why. */
  private deployed(policy: Policy): Policy {
    const missing = policy.channels.filter((channel) => !this.deployedChannels.includes(channel));
    if (missing.length === 0) return policy;
    this.undeployed.set(PolicyRegistry.key(policy.id, policy.version), missing);
    return { ...policy, channels: policy.channels.filter((channel) => this.deployedChannels.includes(channel)) };
  }

  /** The channels a policy names that this deployment has no adapter for. */
  undeployedChannels(policy: Pick<Policy, 'id' | 'version'>): Channel[] {
    return this.undeployed.get(PolicyRegistry.key(policy.id, policy.version)) ?? [];
  }

  private static key(id: string, version: string): string {
    return `${id}@${version}`;
  }

  /** The policy that plans a new journey for this churn, or undefined if none applies. */
  forChurn(selector: PolicySelector): Policy | undefined {
    return this.current.find((policy) => policyApplies(policy, selector));
  }

  /** The policies that plan new journeys, in order of precedence (of one policy id, only its first listed version). */
  planningPolicies(): readonly Policy[] {
    return this.current;
  }

  /** Every retention team a known policy version routes tasks to. */
  teams(): string[] {
    return [...this.routedTeams];
  }

  /**
   * A customer's local send window under a policy in this deployment: the policy's window,
   * narrowed by the legal window of their market and the policy's own rule for it; undefined
   * when no hour is left.
   */
  sendWindowFor(policy: Pick<Policy, 'sendWindow' | 'markets'>, market: string | undefined): SendWindow | undefined {
    return sendWindowFor(policy, market, this.legal);
  }

  /** Every policy version it knows: those that plan new journeys and those kept to finish theirs. */
  versions(): Policy[] {
    return [...this.byKey.values()];
  }

  /** The exact version a journey was planned with. */
  get(id: string, version: string): Policy {
    const policy = this.byKey.get(PolicyRegistry.key(id, version));
    if (!policy) throw new Error(`policy ${id}@${version} is not loaded`);
    return policy;
  }
}

/**
 * The policies embedded in Winback: the telecom port-out default and the subscription preset
 * plan new journeys (their versions with texts per language); the earlier versions are kept so
 * journeys planned with them finish under them.
 */
export const EMBEDDED_POLICIES = {
  current: [telecomPortOutV3, subscriptionV2],
  retired: [telecomPortOutV2, telecomPortOutV1, subscriptionV1],
} as const;

/**
 * The registry a deployment runs with. Without policies of the operator's own, the embedded
 * ones. With them, the operator's plan every new journey (list every version still in use by
 * running journeys; the first of each id plans), and the embedded ones are kept only to finish
 * the journeys planned with them before the operator switched. The legal send windows are the
 * embedded ones with the operator's added or narrowed (never widened: that is refused).
 */
export function deploymentPolicies(
  operatorPolicies: readonly Policy[],
  options: { legalSendWindows?: readonly MarketWindowInput[]; channels?: readonly Channel[]; idKey?: string } = {},
): PolicyRegistry {
  const registryOptions = {
    legal: deploymentLegalSendWindows(options.legalSendWindows ?? []),
    channels: options.channels ?? CHANNELS,
    ...(options.idKey !== undefined ? { idKey: options.idKey } : {}),
  };
  const embedded = [...EMBEDDED_POLICIES.current, ...EMBEDDED_POLICIES.retired].map(parsePolicy);
  if (operatorPolicies.length === 0) {
    const current = EMBEDDED_POLICIES.current.length;
    return new PolicyRegistry(embedded.slice(0, current), embedded.slice(current), registryOptions);
  }
  const listed = (policy: Policy) => operatorPolicies.some((p) => p.id === policy.id && p.version === policy.version);
  return new PolicyRegistry(
    operatorPolicies,
    embedded.filter((policy) => !listed(policy)),
    registryOptions,
  );
}
