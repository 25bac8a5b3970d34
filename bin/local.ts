import './sdk-warning.ts';
import { DomainError } from '#shared/domain/errors';
import { CommandError, readCommandLine, type CommandSpec } from './cli.ts';
import { bannerLines, startupWarnings } from './local-banner.ts';
import { localEnvironment, readLocalConfig } from './local-config.ts';
import { startLocalRunner, type LocalRunner } from './local-runner.ts';

/** `npm start`: the local runner, on embedded defaults, no AWS account needed. */
const START_COMMAND = {
  command: 'npm start --',
  summary:
    'Runs the Winback engine on this machine: the same routes as the deployed API, a virtual clock, an outbox instead of SMS and e-mail.',
  usage: ['[--reset]'],
  options: {
    reset: {
      type: 'boolean',
      description: 'empty the data folder of what a runner wrote (customers, timers, clock, outbox, lake) before starting',
    },
  },
  environment: localEnvironment(),
  notes: [
    'Stop it with Ctrl-C. One runner at a time per data folder. Routes and settings: docs/deploy.md#run-locally.',
    'Example: WINBACK_START_TIME=2026-01-05T08:00:00Z npm start -- --reset',
  ],
} as const satisfies CommandSpec;

/** Prints why the runner cannot start, without a stack trace, and exits 1. */
function exitOnStartupError(error: unknown): never {
  if (error instanceof DomainError) {
    console.error(`${error.message}:\n${error.details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}`);
  } else if (error instanceof CommandError) {
    console.error(error.message);
  } else {
    console.error(`The Winback local runner could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}

const { values } = readCommandLine(START_COMMAND);
let runner: LocalRunner;
try {
  const config = readLocalConfig(process.env);
  runner = await startLocalRunner(config, { reset: values.reset === true });
  console.log(bannerLines(runner, config, process.env.WINBACK_API_KEY === undefined).join('\n'));
  for (const warning of startupWarnings(runner)) console.error(warning);
} catch (error) {
  exitOnStartupError(error);
}

let closing = false;
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  console.log(`${signal}: stopping`);
  runner.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
