import { join } from 'node:path';
import { coverageWarnings, describeScope, planningScopes } from '#shared/domain/policy-coverage';
import { LATEST_REPORT_KEY } from '#shared/report/keys';
import type { LocalConfig } from './local-config.ts';
import type { ClockOrigin } from './local-data.ts';
import type { LocalRunner } from './local-runner.ts';

/**
 * What `npm start` prints once the runner listens: where it is, how to call it, which clock it
 * runs on and why, where its data is, which policies plan what, and where to read what happened.
 */

/** Why the clock shows the time it shows. */
function clockNote(origin: ClockOrigin, dataDir: string): string {
  if (origin.kind === 'started')
    return origin.from === 'WINBACK_START_TIME'
      ? 'started at WINBACK_START_TIME'
      : 'started at the wall clock (WINBACK_START_TIME not set)';
  const from = origin.startedFrom;
  const first = from === undefined ? '' : from === 'wall clock' ? ', first started at the wall clock' : `, first started at ${from}`;
  return `resumed from ${join(dataDir, 'winback.db')}${first}`;
}

/** One line per policy that plans new journeys (id@version, churn kinds, markets and brands), then the ones kept to finish journeys. */
function policyLines(runner: LocalRunner, config: LocalConfig): string[] {
  const scopes = planningScopes(runner.policies);
  const width = Math.max(...scopes.map((scope) => scope.policy.length));
  const lines = scopes.map((scope) => `${scope.policy.padEnd(width)}  ${scope.churnKinds.join(', ')}; ${describeScope(scope)}`);
  const planning = new Set(scopes.map((scope) => scope.policy));
  const finishing = runner.policies
    .versions()
    .map((policy) => `${policy.id}@${policy.version}`)
    .filter((key) => !planning.has(key));
  if (finishing.length > 0) lines.push(`finishing journeys planned with them: ${finishing.join(', ')}`);
  lines.push(
    config.WINBACK_POLICY_FILE
      ? `from WINBACK_POLICY_FILE=${config.WINBACK_POLICY_FILE}`
      : 'embedded (their texts are sample copy: write your own policy file before a real send, docs/policies.md)',
  );
  return lines;
}

/** The banner, one line per fact. */
export function bannerLines(runner: LocalRunner, config: LocalConfig, usingDefaultKey: boolean): string[] {
  const dataDir = config.WINBACK_DATA_DIR;
  const store =
    config.WINBACK_STORE === 'sqlite' ? `SQLite, ${join(dataDir, 'winback.db')}` : `DynamoDB Local, ${join(dataDir, 'dynamodb')}/`;
  const indent = (lines: string[]) => lines.map((line, i) => (i === 0 ? line : `            ${line}`));
  return [
    `Winback local runner listening on ${runner.url}`,
    `  API key:  ${runner.apiKey}${usingDefaultKey ? '   (default; set WINBACK_API_KEY to change it)' : ''}`,
    `  clock:    ${new Date(runner.clock.now()).toISOString()}   (virtual, ${clockNote(runner.clockOrigin, dataDir)}; POST /local/clock moves it)`,
    `  data:     ${dataDir}/   (store: ${store}; held by this runner: ${runner.lockFile})`,
    ...indent(policyLines(runner, config)).map((line, i) => (i === 0 ? `  policies: ${line}` : line)),
    `  outbox:   GET /local/outbox   (also ${join(dataDir, 'outbox.jsonl')})`,
    ...(config.WINBACK_PARTNER_PUSH_URL
      ? [`  push:     POSTed to ${config.WINBACK_PARTNER_PUSH_URL}, signed; the partner's receipts: POST /v1/push/receipts`]
      : []),
    `  KPIs:     POST /local/jobs/nightly, then npm run query   (Parquet under ${join(dataDir, 'lake')}/)`,
    `  report:   GET /local/report   (the latest night's KPI report, written by the nightly job: ${join(dataDir, 'lake', LATEST_REPORT_KEY)})`,
    `  logs:     JSON lines on stdout, stamped with the virtual clock`,
    `  try:      curl -sS -H 'x-api-key: ${runner.apiKey}' ${runner.url}/healthz`,
  ];
}

/** Start-up warnings, one line each: the churns no loaded policy plans. */
export function startupWarnings(runner: LocalRunner): string[] {
  return coverageWarnings(runner.policies).map((warning) => `warning: ${warning}`);
}
