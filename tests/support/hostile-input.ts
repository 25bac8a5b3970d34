import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FieldIssue } from '#shared/domain/errors';
import { formatPath } from '#shared/domain/events';
import type { HttpResponse, Route } from '#shared/http/http-types';

/**
 * Hostile input for the HTTP fuzz suites: what an attacker or a broken upstream system
 * sends, and the oracles that say how Winback must answer it.
 *
 * Every property runs with a fixed seed, so CI runs the same cases each time; on failure
 * fast-check prints the seed, the path and the counterexample. `FUZZ_SEED=<n>` explores others.
 */
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);

export function fuzz(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns };
}

/** The methods a client can send; a route table names only some of them. */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'get', 'post'] as const;

/**
 * `encodeURIComponent`, but a lone surrogate (which it refuses) becomes the percent-encoding of
 * its three CESU-8 bytes (`%ED%A0%80`), as a hostile client could send it.
 */
export function encodeSegment(value: string): string {
  return value
    .split(/(\p{Cs})/u)
    .map((part, i) => (i % 2 === 0 ? encodeURIComponent(part) : cesu8(part.charCodeAt(0))))
    .join('');
}

const cesu8 = (unit: number) =>
  [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');

/** The route's path with each `{param}` filled with `value`, percent-encoded. */
export function concretePath(route: Pick<Route, 'path'>, value = 'fuzz-customer-1'): string {
  return route.path.replace(/\{\w+\}/g, encodeSegment(value));
}

// ---------------------------------------------------------------------------------------------
// Bodies that JSON.stringify cannot build

/**
 * JSON text spliced into a body as is: 10,000 levels of nesting overflow the stack of
 * JSON.stringify (and of any recursive code), so such values are written out as text.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** `JSON.stringify`, with every {@link RawJson} inside `value` written out verbatim. */
export function toJsonText(value: unknown): string {
  const marker = randomUUID();
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof RawJson ? `${marker}:${raws.push(v.text) - 1}` : v));
  return text.replace(new RegExp(`"${marker}:(\\d+)"`, 'g'), (_match, index: string) => raws[Number(index)]!);
}

export const deepNesting = (depth: number, kind: 'array' | 'object') =>
  new RawJson(kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`);

const deepArb = (kinds: ReadonlyArray<'array' | 'object'>) =>
  fc.tuple(fc.constantFrom(100, 1_000, 10_000), fc.constantFrom(...kinds)).map(([depth, kind]) => deepNesting(depth, kind));

// ---------------------------------------------------------------------------------------------
// Odd text

/** A string holding one lone surrogate (ASCII around it, so it cannot pair up). */
const loneSurrogate = fc
  .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 8 }))
  .map(([before, unit, after]) => `${before}${String.fromCharCode(unit)}${after}`);

/** Longer than any string field Winback accepts (the longest, a reply's text, is 1,600). */
export const OVERLONG = 'x'.repeat(100_001);

/**
 * Strings that look like syntax somewhere downstream: DynamoDB expressions and keys, templates,
 * paths, percent-encoding, JavaScript's magic property names, SQL, HTML.
 */
const EXPRESSION_LIKE = [
  '#a = :b',
  'attribute_exists(pk)',
  ':v',
  '${x}',
  '{{x}}',
  '../../',
  '..',
  '.',
  '%00',
  '%',
  '%2F',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  "'; DROP TABLE kpis; --",
  '<script>alert(1)</script>',
  'CUSTOMER#x',
  'EVENT#x',
  'a/b',
  '?token=x',
  '#',
  ' ',
] as const;

/** Unicode that is valid but unusual: NUL, bidi overrides, stacked combining marks, emoji, BOM. */
const ODD_UNICODE = [
  'a\u0000b',
  '\u202Eevil\u202C',
  '\u200F\u200E',
  `e${'\u0301'.repeat(50)}`,
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  '\uFEFFbom',
  '\uFFFD',
  '\uFFFF',
  'Ⅻ',
  'ǅ',
  '\u2028\u2029',
  '\t\n\r',
] as const;

/** Odd strings that are still well-formed Unicode of a sane length: free-text fields take them. */
export const oddButWellFormed: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EXPRESSION_LIKE, ...ODD_UNICODE),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Any odd string: maybe valid for a field, maybe not; either way the answer must not be a 5xx. */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: oddButWellFormed, weight: 3 },
  { arbitrary: loneSurrogate, weight: 1 },
  { arbitrary: fc.constant(OVERLONG), weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// Values that are wrong wherever they are put

/**
 * Values no leaf field (string, number, boolean, enum) accepts: null, objects, arrays, deep
 * nesting, overlong strings, a lone surrogate in the valid value; a number or boolean as a string.
 */
function invalidLeaf(valid: unknown): fc.Arbitrary<unknown> {
  const options: Array<fc.Arbitrary<unknown>> = [
    fc.constantFrom(null, {}, [], { value: valid }, [valid]),
    deepArb(['array', 'object']),
    fc.constant(OVERLONG),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => `${String(valid)}${String.fromCharCode(unit)}`),
  ];
  if (typeof valid === 'number' || typeof valid === 'boolean') options.push(fc.constant(String(valid)));
  return fc.oneof(...options);
}

/**
 * Values no object field (`contacts`, `consents`, `attributes`) accepts. Not deep objects: an
 * object of unknown keys is a valid (empty) `contacts`.
 */
function invalidObject(valid: unknown): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constantFrom(null, 'an object', 42, true, [], [valid]), deepArb(['array']));
}

/** One field of an example body: where it is, whether it holds an object, and its valid value. */
interface Field {
  path: string[];
  isObject: boolean;
  value: unknown;
}

function fieldsOf(body: Record<string, unknown>, prefix: string[] = []): Field[] {
  return Object.entries(body).flatMap(([key, value]) => {
    const path = [...prefix, key];
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    return [{ path, isObject, value }, ...(isObject ? fieldsOf(value as Record<string, unknown>, path) : [])];
  });
}

const isUnder = (issuePath: string, field: string) =>
  issuePath === field || issuePath.startsWith(`${field}.`) || issuePath.startsWith(`${field}[`);

/** A valid example body with some fields made invalid, and the paths of those fields. */
export interface Mutant {
  body: Record<string, unknown>;
  /** Formatted paths (`contacts.phone`) of the fields made invalid. */
  broken: string[];
}

function setAt(body: Record<string, unknown>, path: string[], value: unknown): void {
  const parent = path.slice(0, -1).reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, body);
  parent[path.at(-1)!] = value;
}

/**
 * `example` (a valid body) with 1 to 3 of its fields, at any depth, given a value that field
 * cannot accept. Fields are taken from the example itself, so a field added to a fixture is
 * fuzzed without editing this file.
 */
export function mutantOf(example: Record<string, unknown>): fc.Arbitrary<Mutant> {
  const fields = fieldsOf(example);
  return (
    fc
      .subarray(fields, { minLength: 1, maxLength: Math.min(3, fields.length) })
      // A field inside another broken field is gone with it.
      .map((chosen) =>
        chosen.filter((field) => !chosen.some((other) => other !== field && isUnder(formatPath(field.path), formatPath(other.path)))),
      )
      .chain((chosen) =>
        fc.tuple(...chosen.map((field) => (field.isObject ? invalidObject(field.value) : invalidLeaf(field.value)))).map((values) => {
          const body = structuredClone(example);
          for (const [i, field] of chosen.entries()) setAt(body, field.path, values[i]);
          return { body, broken: chosen.map((field) => formatPath(field.path)) };
        }),
      )
  );
}

/** The fields every event has (DESIGN.md): named even when a broken `type` stops the rest. */
const ENVELOPE = ['eventId', 'type', 'occurredAt', 'customerId'];

/**
 * The issues name every broken field (or something inside it) and nothing else. A broken `type`
 * leaves the event's other fields unchecked, so then only the envelope must be named.
 */
export function expectIssuesName(issues: readonly FieldIssue[], broken: readonly string[]): void {
  const mustName = broken.includes('type') ? broken.filter((path) => ENVELOPE.includes(path)) : broken;
  for (const path of mustName)
    expect(
      issues.map((issue) => issue.path),
      `an issue naming ${path}`,
    ).toSatisfy((paths: string[]) => paths.some((p) => isUnder(p, path)));
  for (const issue of issues)
    expect(broken, `the issue at ${issue.path} is about a broken field`).toSatisfy((paths: string[]) =>
      paths.some((path) => isUnder(issue.path, path)),
    );
}

// ---------------------------------------------------------------------------------------------
// Answers

export interface ErrorBody {
  error: { code: string; message: string; details: FieldIssue[] };
}

/** A 4xx with the API's error shape (DESIGN.md): `{"error": {"code", "message", "details": [...]}}`. */
export function expectClientError(response: Pick<HttpResponse, 'statusCode' | 'body'>, status?: number): ErrorBody {
  if (status !== undefined) expect(response.statusCode, response.body.slice(0, 500)).toBe(status);
  expect(response.statusCode, response.body.slice(0, 500)).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, response.body.slice(0, 500)).toBeLessThan(500);
  const body = JSON.parse(response.body) as ErrorBody;
  expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
  for (const detail of body.error.details)
    expect(detail).toEqual({ path: expect.any(String), code: expect.any(String), message: expect.any(String) });
  return body;
}

// ---------------------------------------------------------------------------------------------
// Keys

/**
 * `x-api-key` values that are not `key`, though close to it: empty, case changed, a space or
 * tab or invisible character added, cut short, doubled, repeated as a list.
 */
export function nearMissKeys(key: string): string[] {
  return [
    '',
    key.toUpperCase(),
    key.toLowerCase() === key ? `${key[0]!.toUpperCase()}${key.slice(1)}` : key.toLowerCase(),
    `${key} `,
    ` ${key}`,
    `${key}\t`,
    `${key}\u00A0`,
    `${key}\u200B`,
    key.slice(0, -1),
    `${key}${key}`,
    `${key},${key}`,
    `${key}\u0000`,
    `${key}\uD800`,
  ];
}

/** Wrong `x-api-key` values: near misses of `key`, and anything else. */
export const wrongKey = (key: string): fc.Arbitrary<string> =>
  fc
    .oneof(fc.constantFrom(...nearMissKeys(key)), fc.string({ unit: 'binary', maxLength: 64 }), oddText)
    .filter((candidate) => candidate !== key);
