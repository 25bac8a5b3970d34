import { describe, expect, it } from 'vitest';
import { countUnits, emptyTally, itemSize, readUnits, WritePricer, writeUnits, type AnyItem } from '../../../scripts/bench/capacity.ts';
import { ingestFloor, sendFloor } from '../../../scripts/bench/journey-capacity.ts';

/** An item of exactly `bytes` bytes: `pk` (2 + 1) and `v` (1 + bytes − 4). */
const itemOf = (bytes: number, key = 'k'): AnyItem => ({ pk: { S: key }, v: { S: 'x'.repeat(bytes - 4) } });

describe('DynamoDB item size (the published rules)', () => {
  it('counts names and values: strings in UTF-8, numbers by significant digits, lists and maps with their overheads', () => {
    // Prepare: "id" 2+1; "n" 1 + 4 (5 significant digits: 3 bytes, + 1); "flag" 4+1; then a map.
    const item: AnyItem = {
      id: { S: 'a' },
      n: { N: '12345.000' },
      flag: { BOOL: true },
      // "m" 1 + map 3 + element (1 + name "é" 2 + value "é" 2) + element (1 + name "l" 1 + list 3 + element (1 + number 0: 1)).
      m: { M: { é: { S: 'é' }, l: { L: [{ N: '0' }] } } },
    };

    // Act
    const size = itemSize(item);

    // Assess
    expect(size).toBe(3 + (1 + 4) + (4 + 1) + (1 + 3 + (1 + 2 + 2) + (1 + 1 + (3 + 1 + 1))));
  });

  it('rounds reads up to 4 KB and writes up to 1 KB of the larger of before and after, at least 1 unit', () => {
    expect([readUnits(0), readUnits(4096), readUnits(4097)]).toEqual([1, 1, 2]);
    expect([writeUnits(0, 0), writeUnits(0, 1024), writeUnits(0, 1025), writeUnits(2100, 900)]).toEqual([1, 1, 2, 3]);
  });
});

describe('the meter', () => {
  it('prices a transaction at 2 units per KB of each item, where DynamoDB Local 3.x counts equal items once', () => {
    const pricer = new WritePricer();
    expect(pricer.transaction([{ Put: { Item: itemOf(10, 'a') } }, { Put: { Item: itemOf(10, 'b') } }])).toBe(4);
    expect(pricer.transaction([{ Put: { Item: itemOf(1600, 'c') } }, { Put: { Item: itemOf(1600, 'd') } }])).toBe(8);
  });

  it('prices a put replacing an item on the larger of the two, remembering what single puts wrote', () => {
    const pricer = new WritePricer();
    pricer.put(itemOf(2500, 'a'));
    expect(pricer.transaction([{ Put: { Item: itemOf(500, 'a') } }])).toBe(2 * 3);
    expect(pricer.transaction([{ Put: { Item: itemOf(500, 'a') } }])).toBe(2 * 1);
  });

  it('refuses to price what it cannot see (a delete, an update)', () => {
    expect(() => new WritePricer().transaction([{ Delete: { Key: {} } }])).toThrow(/only Put/);
  });

  it('splits units by operation into reads and writes, and refuses operations that consume none', () => {
    const tally = emptyTally();
    countUnits(tally, 'GetItem', 1);
    countUnits(tally, 'Query', 0.5);
    countUnits(tally, 'TransactWriteItems', 8);
    countUnits(tally, 'PutItem', 2);
    expect(tally).toMatchObject({ read: 1.5, write: 10, calls: { GetItem: 1, Query: 1, TransactWriteItems: 1, PutItem: 1 } });
    expect(() => countUnits(tally, 'DescribeTable', 0)).toThrow(/consumes no item capacity/);
  });
});

describe('the floor of a journey', () => {
  it('an ingested event: one consistent read of the customer, one write of it, of its receipt, and of a new phone lookup', () => {
    expect(ingestFloor({ customerBefore: 0, customerAfter: 1672, receipt: 114, newLookup: 138 })).toEqual({ read: 1, write: 2 + 1 + 1 });
    expect(ingestFloor({ customerBefore: 2027, customerAfter: 2317, receipt: 118, newLookup: 0 })).toEqual({ read: 1, write: 3 + 1 });
  });

  it('a sent touch: one read, the claim, then the outcome', () => {
    expect(sendFloor({ customerBefore: 1000, claimed: 1100, customerAfter: 2100 })).toEqual({ read: 1, write: 2 + 3 });
  });
});
