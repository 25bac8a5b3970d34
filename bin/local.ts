import { DomainError } from '#shared/domain/errors';
import { readLocalConfig, startLocalRunner, type LocalConfig } from './local-runner.ts';

/** `npm start`: the local runner, on embedded defaults, no AWS account needed. */
let config: LocalConfig;
try {
  config = readLocalConfig(process.env);
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  console.error(`${error.message}:\n${error.details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}`);
  process.exit(1);
}
const runner = await startLocalRunner(config);
const usingDefaultKey = process.env.WINBACK_API_KEY === undefined;
console.log(
  [
    `Winback local runner listening on ${runner.url}`,
    `  API key:  ${runner.apiKey}${usingDefaultKey ? '   (default; set WINBACK_API_KEY to change it)' : ''}`,
    `  clock:    ${new Date(runner.clock.now()).toISOString()}   (virtual; POST /local/clock to move it)`,
    `  data:     ${config.WINBACK_DATA_DIR}/`,
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
