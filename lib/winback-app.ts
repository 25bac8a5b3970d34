import type { App } from 'aws-cdk-lib';
import { readSettings } from './settings.ts';
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
  return { stateful, stateless };
}
