import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNAMODB_CALL, MESSAGE_CALL, worstCaseCallMs } from '#shared/adapters/aws/clients';
import { DEAD_LETTER_QUEUE_NAMES, deadLetterOutputKeys } from '#shared/adapters/aws/dead-letter-routes';
import { actionsOf, onlyLogicalId, statementsOfRole, synthWinback } from '../support/cdk-app.ts';

/** What the dead-letter replay needs from the engine stack, and the send function's time budget. */
describe('Winback engine stack: dead letters and the send function', () => {
  let engine: Template;
  beforeAll(() => ({ engine } = synthWinback()));

  const logicalIdOf = (type: string, props: Record<string, unknown>) => onlyLogicalId(engine, type, props);
  const sendFunctionId = () =>
    logicalIdOf('AWS::Lambda::Function', { Handler: 'index.handler', Description: Match.stringLikeRegexp('Sends one due touch') });

  it('outputs each dead-letter queue with the function its messages are re-driven to', () => {
    // Prepare: which queue each function dead-letters to, from the template itself.
    const functions = engine.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    const functionOfQueue = (queueId: string) =>
      Object.keys(functions).filter((id) => JSON.stringify(functions[id]!.Properties.DeadLetterConfig ?? {}).includes(`"${queueId}"`));
    const outputs = engine.findOutputs('*');
    const refOf = (key: string) => JSON.stringify(outputs[key]?.Value);

    // Act & Assess
    for (const queue of DEAD_LETTER_QUEUE_NAMES) {
      const keys = deadLetterOutputKeys(queue);
      expect(outputs[keys.queueUrl], keys.queueUrl).toBeDefined();
      expect(outputs[keys.functionName], keys.functionName).toBeDefined();
      const queueId = /"Ref":"([^"]+)"/.exec(refOf(keys.queueUrl))![1]!;
      expect(engine.findResources('AWS::SQS::Queue')[queueId], `${keys.queueUrl} names a queue`).toBeDefined();
      // A Lambda dead-letter queue belongs to the function it is re-driven to; the timer queue is
      // Scheduler's, re-driven to the send function like the send queue.
      const owners = functionOfQueue(queueId);
      const target = /"Ref":"([^"]+)"/.exec(refOf(keys.functionName))![1]!;
      if (queue === 'timer') expect(target).toBe(sendFunctionId());
      else expect(owners).toEqual([target]);
    }
  });

  it('gives the send function time for every call of a send to fail as slowly as its client allows', () => {
    // Prepare
    const timeoutSeconds = engine.findResources('AWS::Lambda::Function')[sendFunctionId()]!.Properties.Timeout as number;

    // Assess: read, claim (with a phone-key read), send, record — in a row.
    expect(timeoutSeconds * 1000).toBeGreaterThan(4 * worstCaseCallMs(DYNAMODB_CALL) + worstCaseCallMs(MESSAGE_CALL));
    expect(timeoutSeconds).toBeLessThanOrEqual(15 * 60);
  });

  it('lets the send function delete timers of its own schedule group only: the lease timer of a claim that got its outcome', () => {
    // Prepare
    const roleId = (engine.findResources('AWS::Lambda::Function')[sendFunctionId()]!.Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0]!;

    // Act
    const statements = statementsOfRole(engine, roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));

    // Assess
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!).sort()).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']);
    expect(JSON.stringify(statements[0]!.Resource)).toContain(':schedule/WinbackEngine-touches/*');
  });
});
