import { describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/domain/policy';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { coverageGaps, coverageWarnings, describeScope, planningScopes } from '#shared/domain/policy-coverage';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { subscription } from '#shared/domain/policies/subscription';

const portOut = parsePolicy(telecomPortOut);
const key = `${portOut.id}@${portOut.version}`;

describe('what the loaded policies plan', () => {
  it('the embedded policies plan every churn kind, in every market and brand', () => {
    const registry = deploymentPolicies([]);
    expect(coverageGaps(registry)).toEqual([]);
    expect(coverageWarnings(registry)).toEqual([]);
    expect(planningScopes(registry).map((scope) => scope.policy)).toEqual([key, `${subscription.id}@${subscription.version}`]);
  });

  it('an operator file with port-outs only leaves cancellations and lapses to nothing, and says so', () => {
    const registry = deploymentPolicies([portOut]);

    expect(planningScopes(registry)).toEqual([{ policy: key, churnKinds: ['port_out'] }]);
    expect(coverageWarnings(registry)).toEqual([
      'no policy plans cancellation churns: they get no journey (decision log: ineligible, no_policy_for_churn); add a policy for them if they should be won back',
      'no policy plans lapse churns: they get no journey (decision log: ineligible, no_policy_for_churn); add a policy for them if they should be won back',
    ]);
  });

  it('a churn kind planned only in some markets or brands is named with them', () => {
    const spain = parsePolicy({ ...telecomPortOut, id: 'es-port-out', appliesTo: { markets: ['ES'], brands: ['movil'] } });
    const registry = deploymentPolicies([spain, parsePolicy(subscription)]);

    expect(coverageGaps(registry)).toEqual([{ churnKind: 'port_out', partly: [planningScopes(registry)[0]] }]);
    expect(coverageWarnings(registry)).toEqual([
      `port_out churns are planned only for markets ES; brands movil (es-port-out@${portOut.version}); others get no journey (no_policy_for_churn)`,
    ]);
    expect(describeScope({})).toBe('all markets and brands');
  });
});
