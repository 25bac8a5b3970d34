import { DomainError } from '#shared/domain/errors';
import { readLocalConfig, startLocalRunner, type LocalConfig } from './local-runner.ts';

/** `npm start`: the local runner, on embedded defaults, no AWS account needed. */
/** A bad setting is reported field by field, never as a stack trace. */
async function orExit<T>(step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    console.error(`${error.message}:\n${error.details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}`);
    process.exit(1);
  }
}
const config: LocalConfig = await orExit(() => readLocalConfig(process.env));
const runner = await orExit(() => startLocalRunner(config));
const usingDefaultKey = process.env.WINBACK_API_KEY === undefined;
// A stale data folder never silently overrides WINBACK_START_TIME: say which clock was resumed.
const ignoredStart = config.WINBACK_START_TIME ? ', not WINBACK_START_TIME' : '';
const storeName = config.WINBACK_STORE === 'sqlite' ? 'SQLite, winback.db' : 'DynamoDB Local, dynamodb/';
console.log(
  [
    `Winback local runner listening on ${runner.url}`,
    `  API key:  ${runner.apiKey}${usingDefaultKey ? '   (default; set WINBACK_API_KEY to change it)' : ''}`,
    `  clock:    ${new Date(runner.clock.now()).toISOString()}   (virtual; POST /local/clock to move it)`,
    ...(runner.clock.resumed ? [`            resumed from ${config.WINBACK_DATA_DIR}/winback.db${ignoredStart}`] : []),
    `  data:     ${config.WINBACK_DATA_DIR}/   (store: ${storeName})`,
    `  try:      curl -s -H 'x-api-key: ${runner.apiKey}' ${runner.url}/healthz`,
  ].join('\n'),
);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  console.log(`${signal}: stopping`);
  runner.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
