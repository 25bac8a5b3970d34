import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, paginateScan, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { Identifier, MAX_ATTRIBUTES, MAX_BATCH_EVENTS, parseEvent } from '#shared/domain/events';
import type { EngineDeps } from '#shared/engine/deps';
import { apiKeyAuthorizer } from '#shared/http/api-key';
import type { HttpResponse } from '#shared/http/http-types';
import { createRouter } from '#shared/http/router';
import { unsubscribeRoutes } from '#shared/http/unsubscribe-routes';
import { v1Routes } from '#shared/http/v1-routes';
import { churnInput, validEventFixtures } from '../fixtures/events.ts';
import { makeDeps, type FakeScheduler, type TestDeps } from '../support/fakes.ts';
import {
  deepNesting,
  encodeSegment,
  expectClientError,
  expectIssuesName,
  fuzz,
  mutantOf,
  oddButWellFormed,
  oddText,
  toJsonText,
  type Mutant,
} from '../support/hostile-input.ts';

/**
 * Hostile bodies for `POST /v1/events`, and hostile ids in `/v1/customers/{customerId}`, against
 * the real store: the DynamoDB adapter on DynamoDB Local (the scheduler and channels are fakes
 * that record every call). Whatever is refused must leave every item, timer and message as it
 * was; whatever is accepted must be stored exactly; valid events in a hostile batch are kept.
 *
 * Each case starts from the same table (two churned customers, whom hostile events aim at) and
 * puts it back afterwards, so scans stay small. Seeds and runs: see `fuzz()`.
 */

const API_KEY = 'fuzz-api-key-0123';
const SEEDED = ['fuzz-seeded-1', 'fuzz-seeded-2'];
const FIXTURES = Object.values(validEventFixtures());

/** Numbers at the edges of what JSON, JavaScript and DynamoDB hold, and any double. */
const oddNumber = fc.oneof(
  fc.constantFrom(-0, 1e-130, 1e-131, 1e-200, 5e-324, 0.1 + 0.2, 2 ** 53 - 1, 2 ** 53, 1e16, 1e125, 1e300, Number.MAX_VALUE, -1, -1e-200),
  fc.double(),
);
const CHURN = churnInput();

let serial = 0;
const fresh = (prefix: string) => `${prefix}-${++serial}-${randomUUID().slice(0, 8)}`;

type Item = Record<string, unknown>;
const keyOf = (item: Item) => `${String(item.pk)}\u0000${String(item.sk)}`;

/** JSON with object keys sorted, so two reads of the same item compare equal. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable((value as Item)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The whole table, and what the fakes were asked: what "nothing changed" compares. */
interface Snapshot {
  items: Map<string, Item>;
  calls: string;
}

describe('hostile input against DynamoDB Local, through the real adapter', () => {
  const tableName = `winback-http-fuzz-${randomUUID()}`;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let deps: EngineDeps & {
    scheduler: FakeScheduler;
    channels: TestDeps['channels'];
  };
  let handle: ReturnType<typeof createRouter>;

  beforeAll(async () => {
    client = localDynamoClient(inject('dynamodbEndpoint'));
    documents = createDocumentClient(client);
    await ensureTable(client, tableName);
    const fakes = makeDeps();
    deps = { ...fakes, store: new DynamoDbCustomerStore({ client: documents, tableName, phoneHashKey: 'fuzz-phone-key' }) };
    handle = createRouter({
      routes: [...v1Routes(deps), ...unsubscribeRoutes(deps, 'fuzz-unsubscribe-key')],
      authorize: apiKeyAuthorizer(API_KEY),
      logger: deps.logger,
    });
    for (const customerId of SEEDED) expect((await postEvents({ ...CHURN, customerId, eventId: fresh('seed') })).statusCode).toBe(202);
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  const postEvents = (body: unknown) =>
    handle({
      method: 'POST',
      path: '/v1/events',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : toJsonText(body),
    });
  const call = (method: string, customerId: string) =>
    handle({ method, path: `/v1/customers/${encodeSegment(customerId)}`, headers: { 'x-api-key': API_KEY } });

  async function snapshot(): Promise<Snapshot> {
    const items = new Map<string, Item>();
    for await (const page of paginateScan({ client: documents }, { TableName: tableName, ConsistentRead: true }))
      for (const item of page.Items ?? []) items.set(keyOf(item), item);
    // A refused request must not call the fakes at all: counts tell.
    const calls = stable({
      timers: deps.scheduler.timers.size,
      schedules: deps.scheduler.scheduleCalls.length,
      cancels: deps.scheduler.cancelCalls.length,
      sent: Object.values(deps.channels).map((c) => c.sent.length),
    });
    return { items, calls };
  }

  /** Keys of the items added or changed since `before`, and of those removed. */
  function changesSince(before: Snapshot, after: Snapshot) {
    const touched = [...after.items]
      .filter(([key, item]) => !before.items.has(key) || stable(before.items.get(key)) !== stable(item))
      .map(([key]) => key);
    const removed = [...before.items.keys()].filter((key) => !after.items.has(key));
    return { touched, removed };
  }

  async function expectUnchanged(before: Snapshot): Promise<void> {
    const after = await snapshot();
    expect(changesSince(before, after)).toEqual({ touched: [], removed: [] });
    expect(after.calls).toBe(before.calls);
  }

  /** Puts the table back as it was in `before` (the fakes' records are only ever compared, not restored). */
  async function restore(before: Snapshot): Promise<void> {
    const after = await snapshot();
    for (const [key, item] of after.items)
      if (!before.items.has(key)) await documents.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
    for (const [key, item] of before.items)
      if (stable(after.items.get(key)) !== stable(item)) await documents.send(new PutCommand({ TableName: tableName, Item: item }));
  }

  /** Every item a request changed belongs to one of these customers or events (its record, receipt, phone lookup). */
  function expectChangesOnlyFor(before: Snapshot, after: Snapshot, customerIds: string[], eventIds: string[]): void {
    const owned = new Set([...customerIds.map((id) => `CUSTOMER#${id}`), ...eventIds.map((id) => `EVENT#${id}`)]);
    const { touched, removed } = changesSince(before, after);
    expect(removed).toEqual([]);
    for (const key of touched)
      expect(
        key.split('\u0000').some((part) => owned.has(part)),
        `item ${key} changed`,
      ).toBe(true);
  }

  const issuesOf = (response: HttpResponse) => expectClientError(response, 400).error.details;

  /** A mutant of any event type, aimed at a seeded customer (unless its customerId is what broke) under a new event id. */
  const hostileEvent: fc.Arbitrary<Mutant> = fc
    .tuple(fc.constantFrom(...FIXTURES), fc.constantFrom(...SEEDED))
    .chain(([fixture, customerId]) => mutantOf({ ...fixture, customerId, eventId: fresh('hostile') }));

  describe('one event', () => {
    it('property: any event with 1–3 fields made wrong (types, null, 10,000-deep nesting, 100,000 characters, lone surrogates) is a 400 naming exactly those fields; nothing changes', async () => {
      // One scan around all the cases (each aims at a seeded customer, under a new event id): a
      // change anywhere fails the test, and each case checks its own receipt is absent.
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(hostileEvent, async ({ body, broken }) => {
          expectIssuesName(issuesOf(await postEvents(body)), broken);
          if (!broken.includes('eventId')) expect(await deps.store.hasEvent(String(body.eventId))).toBe(false);
        }),
        fuzz(150),
      );
      await expectUnchanged(before);
    });

    it('property: odd text (NUL, bidi overrides, combining marks, emoji, expression-like) in any text field, odd numbers (tiny, huge, -0) in any number field, and odd attributes are refused with the field named, or stored exactly', async () => {
      const oddValueFor = (value: unknown) => (typeof value === 'number' ? oddNumber : oddText);
      const leaves = (fixture: Item) =>
        Object.keys(fixture).filter((key) => typeof fixture[key] === 'string' || typeof fixture[key] === 'number');
      // Churns more often than the rest: they carry the most text, and attributes.
      const oddEvent = fc.oneof({ arbitrary: fc.constant(CHURN), weight: 3 }, fc.constantFrom(...FIXTURES)).chain((fixture) =>
        fc.record({
          fixture: fc.constant(fixture),
          overrides: fc
            .subarray(leaves(fixture), { maxLength: 1 })
            .chain((keys) => fc.tuple(...keys.map((key) => oddValueFor(fixture[key]).map((odd) => [key, odd] as const)))),
          // Mostly names and values a churn can hold, so that storing them is tried as often as refusing.
          attributes: fc.dictionary(
            fc.oneof({ arbitrary: oddButWellFormed, weight: 5 }, oddText),
            fc.oneof({ arbitrary: oddButWellFormed, weight: 5 }, oddText, oddNumber, fc.boolean()),
            { minKeys: 1, maxKeys: 4 },
          ),
        }),
      );
      const seen = { refused: 0, stored: 0, storedAttributes: 0 };
      await fc.assert(
        fc.asyncProperty(oddEvent, async ({ fixture, overrides, attributes }) => {
          const text = toJsonText({
            ...fixture,
            customerId: fresh('odd'),
            eventId: fresh('odd-event'),
            ...Object.fromEntries(overrides),
            ...(fixture.type === 'customer.churned' ? { attributes } : {}),
          });
          // What the server sees: JSON turns -0 into 0 and NaN into null.
          const body = JSON.parse(text) as Item;
          const before = await snapshot();
          const response = await postEvents(text);
          expect(response.statusCode, response.body.slice(0, 300)).toBeLessThan(500);
          if (response.statusCode >= 400) {
            const touched = [...overrides.map(([key]) => key), 'attributes'];
            for (const issue of issuesOf(response))
              expect(
                touched.some((key) => issue.path === key || issue.path.startsWith(`${key}.`)),
                issue.path,
              ).toBe(true);
            await expectUnchanged(before);
            seen.refused++;
            return;
          }
          seen.stored++;
          const parsed = parseEvent(body);
          expect(parsed.ok).toBe(true);
          const customerId = String(body.customerId);
          if (parsed.ok && parsed.event.type === 'customer.churned') {
            const { locale, accountType, monthlyRevenue, tenureMonths, attributes: stored } = parsed.event;
            expect((await deps.store.get(customerId))?.profile).toMatchObject({
              locale,
              accountType,
              monthlyRevenue,
              tenureMonths,
              ...(stored ? { attributes: stored } : {}),
            });
            if (Object.keys(stored ?? {}).length > 0) seen.storedAttributes++;
          }
          expectChangesOnlyFor(before, await snapshot(), [customerId], [String(body.eventId)]);
          await restore(before);
        }),
        fuzz(100),
      );
      // Both branches ran often enough to mean something (the seed is fixed, so this cannot flake).
      expect(seen.refused).toBeGreaterThan(20);
      expect(seen.stored).toBeGreaterThan(20);
      expect(seen.storedAttributes).toBeGreaterThan(10);
    });

    it('property: any printable id, expression-like or not (#a = :b, ${x}, ../../, %00, __proto__), is stored under exactly that id and read, replayed and erased through the path', async () => {
      const ids = fc.oneof(oddText, fc.string({ minLength: 1, maxLength: 128 })).filter((id) => Identifier.safeParse(id).success);
      await fc.assert(
        fc.asyncProperty(ids, async (id) => {
          const before = await snapshot();
          const event = { ...CHURN, customerId: id, eventId: id };
          expect((await postEvents(event)).statusCode).toBe(202);
          const view = await call('GET', id);
          expect(view.statusCode, view.body.slice(0, 300)).toBe(200);
          expect(JSON.parse(view.body).customerId).toBe(id);
          expect(JSON.parse((await postEvents(event)).body)).toEqual({
            eventId: id,
            status: 'duplicate',
            eventRef: expect.stringMatching(/^[0-9a-f]{16}$/),
          });
          expect(JSON.parse((await call('DELETE', id)).body)).toEqual({ customerId: id, status: 'erased' });
          expectClientError(await call('GET', id), 404);
          await restore(before);
        }),
        fuzz(30),
      );
    });
  });

  describe('batches', () => {
    /** Items no event schema accepts: scalars, arrays, deep nesting, events with a broken field. */
    const hostileItem: fc.Arbitrary<{ item: unknown; broken: string[] }> = fc.oneof(
      fc.constantFrom(null, 0, 'an event', true, [], [CHURN]).map((item) => ({ item, broken: ['(body)'] })),
      fc.constantFrom(1_000, 10_000).map((depth) => ({ item: deepNesting(depth, 'array'), broken: ['(body)'] })),
      fc
        .constantFrom(...FIXTURES)
        .chain((fixture) => mutantOf({ ...fixture, customerId: fresh('hostile'), eventId: fresh('hostile-event') }))
        .map(({ body, broken }) => ({ item: body, broken })),
    );

    /** A fresh customer's churn, then some of their other events, in order. */
    const validGroup = fc.subarray(FIXTURES.filter((fixture) => fixture.type !== 'customer.churned')).map((others) => {
      const customerId = fresh('valid');
      return [CHURN, ...others].map((fixture) => ({ ...fixture, customerId, eventId: fresh('valid-event') }));
    });

    it('property: valid events in a batch are kept (accepted, stored) whatever hostile items surround them, each of which is rejected with its fields named; nothing else changes', async () => {
      const batch = fc.record({
        valid: fc.array(validGroup, { minLength: 1, maxLength: 3 }).map((groups) => groups.flat()),
        hostile: fc.array(hostileItem, { minLength: 1, maxLength: 6 }),
        order: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
      });
      await fc.assert(
        fc.asyncProperty(batch, async ({ valid, hostile, order }) => {
          // Interleave, keeping each customer's events in order.
          const items: Array<{ valid: Item } | { hostile: { item: unknown; broken: string[] } }> = [];
          const [v, h] = [[...valid], [...hostile]];
          for (let i = 0; v.length > 0 || h.length > 0; i++)
            items.push((order[i % order.length] && v.length > 0) || h.length === 0 ? { valid: v.shift()! } : { hostile: h.shift()! });
          const before = await snapshot();

          const response = await postEvents({ events: items.map((entry) => ('valid' in entry ? entry.valid : entry.hostile.item)) });

          expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
          const { accepted, rejected, results } = JSON.parse(response.body) as {
            accepted: number;
            rejected: number;
            results: Array<{ index: number; status: string; errors?: Array<{ path: string; code: string; message: string }> }>;
          };
          expect([accepted, rejected]).toEqual([valid.length, hostile.length]);
          items.forEach((entry, index) => {
            expect(results[index]!.index).toBe(index);
            if ('valid' in entry) expect(results[index]!.status).toBe('accepted');
            else expectIssuesName(results[index]!.errors ?? [], entry.hostile.broken);
          });
          for (const event of valid) expect(await deps.store.hasEvent(String(event.eventId))).toBe(true);
          expectChangesOnlyFor(
            before,
            await snapshot(),
            valid.map((event) => String(event.customerId)),
            valid.map((event) => String(event.eventId)),
          );
          await restore(before);
        }),
        fuzz(25),
      );
    });

    it('property: a batch over 500 events (all valid), an empty one, or events that are not a list is a 400 naming `events`; nothing is stored', async () => {
      const envelope = fc.oneof(
        fc.integer({ min: MAX_BATCH_EVENTS + 1, max: MAX_BATCH_EVENTS + 20 }).map((size) => ({
          events: Array.from({ length: size }, () => ({ ...CHURN, customerId: fresh('oversized'), eventId: fresh('oversized-event') })),
        })),
        fc.constantFrom(
          { events: [] },
          { events: null },
          { events: 'all' },
          { events: { 0: CHURN } },
          { events: 7 },
          { events: deepNesting(10_000, 'object') },
        ),
      );
      await fc.assert(
        fc.asyncProperty(envelope, async (body) => {
          const before = await snapshot();
          expect(issuesOf(await postEvents(body)).map((issue) => issue.path)).toEqual(['events']);
          await expectUnchanged(before);
        }),
        fuzz(12),
      );
    });
  });

  describe('regressions: inputs that answered 500, or were stored altered', () => {
    const withAttributesText = (attributes: string) =>
      `${JSON.stringify({ ...CHURN, customerId: fresh('regression'), eventId: fresh('regression-event') }).slice(0, -1)},"attributes":${attributes}}`;

    it('an attribute named constructor: the marshaller took the map for a class instance and threw (500); now a 400 naming it', async () => {
      const before = await snapshot();
      const issues = issuesOf(await postEvents(withAttributesText('{"constructor":"Acme Builders"}')));
      expect(issues).toEqual([{ path: 'attributes.constructor', code: 'invalid_key', message: 'constructor is a reserved name' }]);
      await expectUnchanged(before);
    });

    it('an attribute with an empty name: DynamoDB refuses an empty map key (500); now a 400 naming it', async () => {
      const before = await snapshot();
      expect(issuesOf(await postEvents(withAttributesText('{"":"#a = :b"}')))).toEqual([
        { path: 'attributes.', code: 'invalid_key', message: expect.stringContaining('>=1') },
      ]);
      await expectUnchanged(before);
    });

    it('an attribute named __proto__ was dropped without a word (the event stored without it); now a 400 naming it', async () => {
      const before = await snapshot();
      expect(issuesOf(await postEvents(withAttributesText('{"__proto__":"x","plan":"y"}')))).toEqual([
        { path: 'attributes.__proto__', code: 'custom', message: '__proto__ is a reserved name' },
      ]);
      await expectUnchanged(before);
    });

    it('900 attributes of 1,000 characters (a body under 1 MiB) overflowed the 400 KB item (500); now a 400 naming attributes', async () => {
      const many = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`k${i}`, 'x'.repeat(1_000)]));
      const before = await snapshot();
      expect(issuesOf(await postEvents(withAttributesText(JSON.stringify(many))))).toEqual([
        { path: 'attributes', code: 'custom', message: `must hold at most ${MAX_ATTRIBUTES} attributes` },
      ]);
      await expectUnchanged(before);
    });

    it('the most attributes allowed, each as long as allowed in 3-byte characters, fit the item and read back intact', async () => {
      const widest = Object.fromEntries(
        Array.from({ length: MAX_ATTRIBUTES }, (_, i) => [`${'€'.repeat(60)}${String(i).padStart(4, '0')}`, '€'.repeat(1_024)]),
      );
      const event = { ...CHURN, customerId: fresh('widest'), eventId: fresh('widest-event'), attributes: widest };
      const before = await snapshot();
      expect((await postEvents(event)).statusCode).toBe(202);
      expect((await deps.store.get(event.customerId))?.profile?.attributes).toEqual(widest);
      await restore(before);
    });

    it('a revenue of 1e-200 (DynamoDB: "Number underflow") or an attribute of 1e16 (the marshaller: beyond 2^53 - 1) answered 500; now a 400 naming them', async () => {
      const before = await snapshot();
      const event = {
        ...CHURN,
        customerId: fresh('numbers'),
        eventId: fresh('numbers-event'),
        monthlyRevenue: 1e-200,
        attributes: { lines: 1e16, score: -1e-131 },
      };
      expect(issuesOf(await postEvents(event)).map((issue) => issue.path)).toEqual([
        'monthlyRevenue',
        'attributes.lines',
        'attributes.score',
      ]);
      await expectUnchanged(before);
    });

    it('a lone surrogate in a text field was stored as is; now a 400 naming the field', async () => {
      const before = await snapshot();
      const body = `${JSON.stringify({ ...CHURN, customerId: fresh('surrogate'), eventId: fresh('surrogate-event') }).slice(0, -1)},"locale":"en-\\ud800GB","attributes":{"a\\udc00":"b"}}`;
      expect(
        issuesOf(await postEvents(body))
          .map((issue) => issue.path)
          .sort(),
      ).toEqual(['attributes.a\udc00', 'locale']);
      await expectUnchanged(before);
    });

    it('a batch holding one such event answered 500 for all, after storing some of the valid ones; now the valid ones are accepted and it alone rejected', async () => {
      const valid = [
        { ...CHURN, customerId: fresh('batch'), eventId: fresh('batch-event') },
        { ...CHURN, customerId: fresh('batch'), eventId: fresh('batch-event') },
      ];
      const poisoned = JSON.parse(withAttributesText('{"constructor":"x"}')) as Item;
      const before = await snapshot();
      const response = await postEvents({ events: [valid[0], poisoned, valid[1]] });
      expect(JSON.parse(response.body)).toMatchObject({
        accepted: 2,
        rejected: 1,
        results: [{ status: 'accepted' }, { status: 'rejected', errors: [{ path: 'attributes.constructor' }] }, { status: 'accepted' }],
      });
      expectChangesOnlyFor(
        before,
        await snapshot(),
        valid.map((event) => event.customerId),
        valid.map((event) => event.eventId),
      );
      await restore(before);
    });

    it('10,000 levels of nesting in an unknown field are ignored, never stored; in attributes, a 400', async () => {
      const customerId = fresh('deep');
      const event = { ...CHURN, customerId, eventId: fresh('deep-event'), extra: deepNesting(10_000, 'object') };
      const before = await snapshot();
      expect((await postEvents(event)).statusCode).toBe(202);
      expect(JSON.stringify(await deps.store.get(customerId))).not.toContain('"extra"');
      await restore(before);
      const restored = await snapshot();
      expect(
        issuesOf(await postEvents({ ...event, eventId: fresh('deep-event'), attributes: { a: deepNesting(10_000, 'object') } })).map(
          (issue) => issue.path,
        ),
      ).toEqual(['attributes.a']);
      await expectUnchanged(restored);
    });
  });
});
