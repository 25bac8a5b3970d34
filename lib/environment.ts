import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { type EnvironmentGroup, type EnvironmentValues, environmentVariables } from '#shared/config/lambda-environment';

/**
 * Sets one group of a function's environment variables (`shared/config/lambda-environment.ts`),
 * by the names and types its handler parses them with: a misspelt or missing variable, or a value
 * of the wrong type, fails `tsc`. Call it beside the grant that the values name, as Powertools'
 * `bindTable` does (`table.grantReadWriteData(fn)` next to `fn.addEnvironment('TABLE_NAME', …)`).
 */
export function bindEnvironment<G extends EnvironmentGroup>(fn: LambdaFunction, group: G, values: EnvironmentValues<G>): void {
  for (const [name, value] of Object.entries(environmentVariables(group, values))) fn.addEnvironment(name, value);
}
