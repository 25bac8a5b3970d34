import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCustomerStore } from '#shared/adapters/local/sqlite-customer-store';
import { openSqliteDatabase, type SqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { erasedFacts } from '#shared/domain/erasure';
import { ConcurrentUpdateError } from '#shared/domain/errors';
import type { StoredJourneys } from '#shared/ports/customer-store';
import { churnedRecord, receiptFor, STORE_EMAIL, STORE_NOW_MS, STORE_PHONE } from '../support/store-records.ts';

const PHONE_KEY = 'sqlite-test-phone-key';

// What every store does is checked by the contract suite, customer-store.contract.test.ts; here,
// what only the SQLite store does: its file, its rows, its pages.
describe('SqliteCustomerStore', () => {
  let dir: string;
  let file: string;
  const open: SqliteDatabase[] = [];
  const connect = () => {
    const database = openSqliteDatabase(file);
    open.push(database);
    return { database, store: new SqliteCustomerStore({ database, phoneHashKey: PHONE_KEY }) };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'winback-sqlite-store-'));
    file = join(dir, 'winback.db');
  });
  afterEach(() => {
    for (const database of open.splice(0)) if (database.open) database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs in WAL mode with synchronous NORMAL, and keeps everything across a reopen', async () => {
    // Prepare
    const first = connect();
    const record = churnedRecord('c-1');
    await first.store.save(record, receiptFor('e-1'));
    first.database.close();

    // Act
    const second = connect();

    // Assess
    expect(second.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(second.database.pragma('synchronous', { simple: true })).toBe(1);
    expect(await second.store.get('c-1')).toEqual({ ...record, version: 1 });
    expect(await second.store.hasEvent('e-1')).toBe(true);
    expect(await second.store.customerIdByPhone(STORE_PHONE)).toBe('c-1');
  });

  it('finds many events at once under their keyed hash, and those whose receipt was written before receipts were keyed', async () => {
    // Prepare
    const { database } = connect();
    const keyed = new SqliteCustomerStore({ database, phoneHashKey: PHONE_KEY, eventHashKey: 'receipts-key' });
    const legacy = new SqliteCustomerStore({ database, phoneHashKey: PHONE_KEY });
    await keyed.save(churnedRecord('c-1'), [receiptFor('e-1'), receiptFor('e-2')]);
    await legacy.save(churnedRecord('c-2'), receiptFor('e-old'));

    // Act
    const found = await keyed.hasEvents(['e-0', 'e-1', 'e-2', 'e-old', 'e-3']);

    // Assess: found both ways; no row holds the keyed events' ids.
    expect(found).toEqual(new Set(['e-1', 'e-2', 'e-old']));
    expect(JSON.stringify(database.prepare('SELECT event_id FROM event_receipts').all())).not.toMatch(/"e-[12]"/);
  });

  it('checks the version against what another connection (another process) wrote to the same file', async () => {
    // Prepare
    const a = connect();
    const b = connect();
    await a.store.save(churnedRecord('c-1'));
    const readByA = (await a.store.get('c-1'))!;
    await b.store.save((await b.store.get('c-1'))!);

    // Act
    const stale = a.store.save(readByA);

    // Assess
    await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(await a.store.get('c-1')).toMatchObject({ version: 2 });
  });

  it('keeps only a keyed hash of the number outside the record, and an erasure leaves no trace of the person in the file', async () => {
    // Prepare
    const { database, store } = connect();
    await store.save(churnedRecord('cust-erase-me'), receiptFor('e-1'));
    const lookups = database.prepare('SELECT * FROM phone_lookups').all();
    const record = (await store.get('cust-erase-me'))!;

    // Act
    await store.erase(record.customerId, record.version, erasedFacts(record, 'hash-key', STORE_NOW_MS));
    database.close();

    // Assess
    expect(JSON.stringify(lookups)).not.toContain(STORE_PHONE.slice(1));
    expect(lookups).toEqual([{ id: 1, phone_key: expect.stringMatching(/^[0-9a-f]{64}$/), customer_id: 'cust-erase-me' }]);
    expect(existsSync(`${file}-wal`)).toBe(false);
    const bytes = readFileSync(file).toString('latin1');
    for (const personal of ['cust-erase-me', STORE_PHONE, STORE_EMAIL]) expect(bytes).not.toContain(personal);
  });

  it('scans page by page: two segments of 450 customers and 250 erased journeys hold each exactly once', async () => {
    // Prepare
    const { store } = connect();
    for (let i = 0; i < 450; i++) await store.save(churnedRecord(`c-${i}`));
    const template = erasedFacts((await store.get('c-0'))!, 'hash-key', STORE_NOW_MS)[0]!;
    await store.erase(
      'c-0',
      1,
      Array.from({ length: 250 }, (_, index) => ({ ...template, journeyId: `j-${index}` })),
    );

    // Act
    const segments: StoredJourneys[][] = [[], []];
    for (const segment of [0, 1]) for await (const item of store.scan(segment, 2)) segments[segment]!.push(item);

    // Assess
    const keys = segments.flat().map((item) => (item.kind === 'customer' ? item.record.customerId : item.journey.journeyId));
    expect(keys).toHaveLength(449 + 250);
    expect(new Set(keys).size).toBe(449 + 250);
    expect(segments.map((items) => items.length > 300)).toEqual([true, true]);
  });

  it('refuses a segment that does not exist', async () => {
    const { store } = connect();
    const read = async (segment: number, total: number) => {
      for await (const _ of store.scan(segment, total));
    };
    await expect(read(2, 2)).rejects.toBeInstanceOf(RangeError);
    await expect(read(0, 0)).rejects.toBeInstanceOf(RangeError);
  });
});
