import type { CustomerRecord } from './record.ts';

/**
 * A copy of a record for a change to work on: what `structuredClone` gives for the plain data a
 * record is (objects and arrays of strings, numbers, booleans and null, built as literals or by
 * JSON.parse; keys in their order, an undefined field kept), at a fraction of its cost, since
 * each event and each send copies the record it changes. Deep but for the decision log's entries:
 * the log is a new array holding the same entries, as an entry is never changed once logged
 * (`log` only appends and drops the oldest).
 */
export function copyRecord(record: CustomerRecord): CustomerRecord {
  return copyObject(record as unknown as Record<string, unknown>, true) as unknown as CustomerRecord;
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** A deep copy of plain data; of a record (`isRecord`), its `history` is a new array of the same entries. */
function copyObject(value: Record<string, unknown> | unknown[], isRecord = false): Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) {
    const items = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      items[i] = isObject(item) ? copyObject(item as Record<string, unknown>) : item;
    }
    return items;
  }
  const copy: Record<string, unknown> = {};
  // for…in rather than Object.keys (no array of keys per object): a record's objects are plain,
  // so it visits their own keys only.
  for (const key in value) {
    const inner = value[key];
    const shared = isRecord && key === 'history' && Array.isArray(inner);
    const copied = shared ? inner.slice() : isObject(inner) ? copyObject(inner as Record<string, unknown>) : inner;
    // An own `__proto__` key stays a key (an assignment would set the copy's prototype).
    if (key === '__proto__') Object.defineProperty(copy, key, { value: copied, enumerable: true, writable: true, configurable: true });
    else copy[key] = copied;
  }
  return copy;
}
