import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DAY_MS } from '#shared/domain/vocabulary';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { createTableInput, ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { applyEvent } from '#shared/domain/journey/apply-event';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import { CustomerChurned, TaskOutcome } from '#shared/domain/events';
import { deploymentPolicies } from '#shared/domain/policy-registry';

const policies = deploymentPolicies([]);
const NOW = Date.parse('2026-03-01T10:00:00Z');

/** A partner or business account worth monthlyRevenue × tenure, churned `daysAgo` days before NOW. */
function escalated(customerId: string, accountType: string, daysAgo: number): CustomerRecord {
  const churn = CustomerChurned.parse({
    eventId: `churn-${customerId}`,
    type: 'customer.churned',
    occurredAt: new Date(NOW - daysAgo * DAY_MS).toISOString(),
    customerId,
    churnKind: 'port_out',
    contacts: { phone: '+447700900111', name: 'Sam Carter' },
    consents: { sms: true },
    timezone: 'Europe/London',
    monthlyRevenue: 150,
    tenureMonths: 40,
    accountType,
  });
  return applyEvent(emptyRecord(customerId), churn, NOW, policies).record;
}

describe('the task index in DynamoDB Local', () => {
  let client: DynamoDBClient;
  let store: DynamoDbCustomerStore;
  const tableName = `tasks-${randomUUID()}`;

  beforeAll(async () => {
    client = localDynamoClient(inject('dynamodbEndpoint'));
    await ensureTable(client, tableName);
    store = new DynamoDbCustomerStore({ client: createDocumentClient(client), tableName, phoneHashKey: 'phone-key' });
  });
  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  it("lists a team's tasks by due date, keeps other teams' out, and forgets an erased customer", async () => {
    // Prepare: three partner accounts churned 1, 9 and 5 days ago (due in 29, 21 and 25 days), one business account, one not escalated.
    for (const [id, type, daysAgo] of [
      ['p-1', 'partner', 1],
      ['p-2', 'partner', 9],
      ['p-3', 'partner', 5],
      ['b-1', 'business', 3],
    ] as const)
      await store.save(escalated(id, type, daysAgo));
    const small = applyEvent(
      emptyRecord('small'),
      CustomerChurned.parse({
        eventId: 'churn-small',
        type: 'customer.churned',
        occurredAt: new Date(NOW).toISOString(),
        customerId: 'small',
        churnKind: 'port_out',
        contacts: { phone: '+447700900112' },
        consents: { sms: true },
        timezone: 'UTC',
        monthlyRevenue: 10,
        tenureMonths: 10,
      }),
      NOW,
      policies,
    ).record;
    await store.save(small);

    // Act
    const partner = await store.withTasksFor('partner', 10);
    const firstTwo = await store.withTasksFor('partner', 2);
    const sales = await store.withTasksFor('sales', 10);

    // Assess
    expect(partner.map((r) => r.customerId)).toEqual(['p-2', 'p-3', 'p-1']);
    expect(firstTwo.map((r) => r.customerId)).toEqual(['p-2', 'p-3']);
    expect(sales.map((r) => r.customerId)).toEqual(['b-1']);
    expect(partner[0]!.version).toBe(1);

    const stored = (await store.get('p-2'))!;
    await store.erase('p-2', stored.version, []);
    expect((await store.withTasksFor('partner', 10)).map((r) => r.customerId)).toEqual(['p-3', 'p-1']);
  });

  it('moves a task in the index when a follow-up changes its due date', async () => {
    const record = escalated('moving', 'partner', 0);
    await store.save(record);
    const taskId = record.journeys[0]!.task!.taskId;
    const followUp = TaskOutcome.parse({
      eventId: 'outcome-moving',
      type: 'task.outcome',
      occurredAt: new Date(NOW).toISOString(),
      customerId: 'moving',
      taskId,
      outcome: 'follow_up',
      followUpAt: '2026-03-02T09:00:00Z',
    });
    const current = (await store.get('moving'))!;
    await store.save(applyEvent(current, followUp, NOW, policies).record);

    // Its first due date (in 30 days) came after p-3 and p-1 of the test above; the follow-up is tomorrow.
    const listed = await store.withTasksFor('partner', 1);
    expect(listed.map((r) => r.customerId)).toEqual(['moving']);
  });

  it('adds the index to a table created before it existed', async () => {
    const old = `old-${randomUUID()}`;
    const { GlobalSecondaryIndexes: _index, ...withoutIndex } = createTableInput(old);
    const attributes = withoutIndex.AttributeDefinitions!.filter((a) => a.AttributeName === 'pk' || a.AttributeName === 'sk');
    await client.send(new CreateTableCommand({ ...withoutIndex, AttributeDefinitions: attributes }));

    await ensureTable(client, old);
    await ensureTable(client, old);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: old }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['tasks']);
    await client.send(new DeleteTableCommand({ TableName: old }));
  });
});
