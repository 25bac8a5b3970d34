import { Annotations, type App } from 'aws-cdk-lib';
import { coverageWarnings } from '#shared/domain/policy-coverage';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { deployedChannelsOf } from './sender.ts';
import { readSettings, type Settings } from './settings.ts';
import { WinbackStatefulStack } from './stateful-stack.ts';
import { WinbackStatelessStack } from './stateless-stack.ts';

/**
 * Builds both stacks into `app`, from the operator's settings. Shared by bin/app.ts and the
 * infra tests. @throws SettingsError naming every setting at fault
 */
export function buildWinback(app: App): { stateful: WinbackStatefulStack; stateless: WinbackStatelessStack } {
  const settings = readSettings(app.node);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new WinbackStatefulStack(app, 'WinbackData', {
    env,
    description: 'Winback data: journeys table and lake bucket (retained on delete).',
  });
  const stateless = new WinbackStatelessStack(app, 'WinbackEngine', {
    env,
    description: 'Winback engine: API, functions, touch scheduling, messaging, alarms.',
    table: stateful.table,
    lakeBucket: stateful.lakeBucket,
    settings,
  });
  for (const [id, message] of deploymentWarnings(settings)) Annotations.of(stateless).addWarningV2(`winback:${id}`, message);
  return { stateful, stateless };
}

/**
 * What `cdk synth` warns an operator of, by id: a deployment that sends no e-mail, the embedded
 * policies' sample texts, churns no policy plans, and policies naming a channel not deployed.
 */
export function deploymentWarnings(settings: Settings): Array<[string, string]> {
  const channels = deployedChannelsOf(settings);
  const registry = deploymentPolicies(settings.policies, { legalSendWindows: settings.legalSendWindows, channels });
  const warnings: Array<[string, string]> = [];
  if (settings.sesFromAddress === undefined)
    warnings.push([
      'no-email',
      'No sesFromAddress: the stack is built without the e-mail channel, so no touch is planned or sent by e-mail. Set the address of a verified SES identity to send e-mail (docs/deploy.md).',
    ]);
  if (settings.policies.length === 0) {
    const brands = [...new Set(registry.planningPolicies().map((policy) => `"${policy.brand}: …"`))].join(', ');
    warnings.push([
      'sample-texts',
      `No policyFile: the embedded policies will send their sample texts (${brands}). Write your own policy file before the first real send (docs/policies.md).`,
    ]);
  }
  for (const [i, warning] of coverageWarnings(registry).entries())
    warnings.push([`coverage-${i}`, `${warning[0]!.toUpperCase()}${warning.slice(1)}.`]);
  for (const policy of registry.planningPolicies()) {
    const undeployed = registry.undeployedChannels(policy);
    if (undeployed.length > 0)
      warnings.push([
        `undeployed-${policy.id}`,
        `Policy ${policy.id}@${policy.version} names ${undeployed.join(', ')}, which this deployment does not send: its touches go by ${policy.channels.join(', ') || 'no channel'} instead.`,
      ]);
  }
  return warnings;
}
