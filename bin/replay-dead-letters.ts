import './sdk-warning.ts';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { replayDeadLetters, type QueueReport } from '#shared/adapters/aws/dead-letter-replay';
import {
  DEAD_LETTER_QUEUE_NAMES,
  deadLetterRoutes,
  outputsFromCdkFile,
  outputsFromDescribeStacks,
  type DeadLetterQueueName,
} from '#shared/adapters/aws/dead-letter-routes';
import { type CommandSpec, readCommandLine, UsageError } from './cli.ts';

/**
 * `npm run dlq:replay`: after an incident, re-drives every message of the deployed stack's
 * dead-letter queues to the function it was meant for, deleting each only once that function
 * answered without error. Safe to run twice: the handlers are idempotent.
 *
 *   npm run dlq:replay -- --dry-run                 what would be re-driven, changing nothing
 *   npm run dlq:replay -- --queue timer             one queue: timer, send, engagement, nightly
 *   npm run dlq:replay -- --stack WinbackEngine     the engine stack (default WinbackEngine)
 *   npm run dlq:replay -- --outputs-file out.json   outputs from `cdk deploy --outputs-file`
 *
 * Queue URLs and function names come from the stack's outputs: from the outputs file when given,
 * else from `aws cloudformation describe-stacks` (the AWS CLI, with the shell's credentials and
 * region; the replay itself uses the same through the SDK). Exits 1 when messages remain.
 */
const REPLAY_COMMAND = {
  command: 'npm run dlq:replay --',
  summary:
    "Re-drives every message of the deployed stack's dead-letter queues to the function it was meant for, deleting each once that function answered without error. Safe to run twice.",
  usage: [`[--dry-run] [--queue ${DEAD_LETTER_QUEUE_NAMES.join('|')}] [--stack NAME] [--outputs-file FILE]`],
  options: {
    'dry-run': { type: 'boolean', description: 'print what would be re-driven, changing nothing' },
    queue: { type: 'string', value: 'name', description: `one queue only: ${DEAD_LETTER_QUEUE_NAMES.join(', ')}` },
    stack: { type: 'string', value: 'name', description: 'the engine stack (default: WinbackEngine)' },
    'outputs-file': {
      type: 'string',
      value: 'file',
      description: 'the stack outputs from `cdk deploy --outputs-file`, instead of describe-stacks',
    },
  },
  notes: ["Uses the AWS CLI and SDK with your shell's credentials and region. Exits 1 when messages remain. See docs/operations.md."],
} as const satisfies CommandSpec;

const options = readCommandLine(REPLAY_COMMAND, ({ values }) => {
  const queue = values.queue;
  if (queue !== undefined && !(DEAD_LETTER_QUEUE_NAMES as readonly string[]).includes(queue))
    throw new UsageError(`--queue must be one of ${DEAD_LETTER_QUEUE_NAMES.join(', ')}, got ${JSON.stringify(queue)}`);
  return {
    dryRun: values['dry-run'] === true,
    queue: queue as DeadLetterQueueName | undefined,
    stack: values.stack ?? 'WinbackEngine',
    outputsFile: values['outputs-file'],
  };
});

async function stackOutputs(stack: string, outputsFile: string | undefined): Promise<Record<string, string>> {
  if (outputsFile !== undefined) return outputsFromCdkFile(JSON.parse(readFileSync(outputsFile, 'utf8')), stack);
  const { stdout } = await promisify(execFile)('aws', [
    'cloudformation',
    'describe-stacks',
    '--stack-name',
    stack,
    '--query',
    'Stacks[0].Outputs',
    '--output',
    'json',
  ]);
  return outputsFromDescribeStacks(JSON.parse(stdout));
}

function print(reports: QueueReport[], dryRun: boolean): void {
  console.log(dryRun ? 'Dry run: nothing invoked, nothing deleted.' : 'Replayed:');
  for (const r of reports) {
    console.log(
      `  ${r.queue.padEnd(10)} → ${r.functionName}: ${r.received} read, ${r.replayed} ${dryRun ? 'to replay' : 'replayed'}, ${r.failed} failed, ${r.unreadable} unreadable`,
    );
    for (const { messageId, problem } of r.problems) console.log(`    ${messageId}: ${problem}`);
  }
}

try {
  const routes = deadLetterRoutes(await stackOutputs(options.stack, options.outputsFile));
  const reports = await replayDeadLetters({ sqs: new SQSClient({}), lambda: new LambdaClient({}) }, routes, options);
  print(reports, options.dryRun);
  process.exitCode = reports.some((r) => r.failed + r.unreadable > 0) ? 1 : 0;
} catch (error) {
  console.error(`dlq:replay failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
