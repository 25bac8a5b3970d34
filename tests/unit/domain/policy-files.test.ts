import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePolicy, PolicySchema } from '#shared/domain/policy';
import { POLICY_SCHEMA_PATH, policyJsonSchema, unknownFields } from '#shared/domain/policy-json-schema';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import {
  EXAMPLES_DIR,
  embeddedPolicies,
  exampleFile,
  fieldReference,
  fieldRows,
  POLICY_DOCS,
  committedFieldReference,
  policyDocs,
  schemaFileText,
  unpadded,
} from '../../../scripts/policy-files.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const STALE = 'stale: run `npm run policy:files` and commit what it writes';

describe('policy files generated from the schema', () => {
  it('commit the JSON Schema as the zod schema generates it', () => {
    expect(read(POLICY_SCHEMA_PATH), STALE).toBe(schemaFileText());
  });

  it('keep the field reference of docs/policies.md as the schema generates it', () => {
    const docs = read(POLICY_DOCS);
    expect(unpadded(committedFieldReference(docs)), STALE).toBe(unpadded(fieldReference()));
    expect(committedFieldReference(policyDocs(docs))).toBe(fieldReference());
  });

  it('document every field, with a meaning, and every quantity with its unit', () => {
    const rows = fieldRows();
    expect(rows.filter((row) => row.description.trim() === '').map((row) => row.field)).toEqual([]);
    const numbers = rows.filter((row) => /^(integer|number)/.test(row.type));
    // A number without a unit is a count or a weight, and says so in its meaning.
    const unitless = numbers.filter((row) => row.unit === '').map((row) => row.field);
    expect(unitless).toEqual(['variants[].weight']);
    // The top-level fields of the zod schema are all in the reference.
    const documented = new Set(rows.map((row) => row.field));
    expect(Object.keys(PolicySchema.shape).filter((key) => !documented.has(key))).toEqual([]);
  });

  it('give a field reference row its type, unit and default', () => {
    const row = (field: string) => fieldRows().find((r) => r.field === field);
    expect(row('touches[].dayFrom')).toMatchObject({ type: 'integer ≥ 0', unit: 'days', default: 'required' });
    expect(row('smsMaxParts')).toMatchObject({ type: 'integer ≥ 1, ≤ 10', unit: 'SMS parts', default: '1' });
    expect(row('sendWindow.weekdays')).toMatchObject({ default: '[1,2,3,4,5,6]', unit: 'ISO weekdays, 1 = Monday' });
    expect(row('escalation.mode')).toMatchObject({ type: 'one of `instead`, `before`', default: '"instead"' });
    expect(row('clickFollowUp')).toMatchObject({ default: 'optional' });
  });
});

describe('examples/policies', () => {
  const files = readdirSync(join(ROOT, EXAMPLES_DIR)).filter((file) => file.endsWith('.json'));

  it('hold each embedded policy as JSON that parses to the embedded TypeScript version', () => {
    for (const policy of embeddedPolicies()) {
      const { path } = exampleFile(policy);
      const json = JSON.parse(read(path));
      expect(parsePolicy(json), path).toEqual(parsePolicy(policy));
    }
  });

  it('name the committed JSON Schema in `$schema`, hold no field it does not know, and pass validation', () => {
    expect(files.length).toBeGreaterThanOrEqual(embeddedPolicies().length + 1);
    for (const file of files) {
      const path = `${EXAMPLES_DIR}/${file}`;
      const json = JSON.parse(read(path));
      expect(resolve(dirname(join(ROOT, path)), json.$schema), path).toBe(join(ROOT, POLICY_SCHEMA_PATH));
      expect(existsSync(join(ROOT, POLICY_SCHEMA_PATH))).toBe(true);
      expect(unknownFields(json), path).toEqual([]);
      expect(() => parsePolicy(json), path).not.toThrow();
    }
  });
});

describe('unknownFields', () => {
  it('finds a misspelt field at any depth, with its path, and allows `$schema`', () => {
    const input = {
      $schema: 'x',
      ...telecomPortOut,
      horizonDay: 3,
      touches: [{ dayFrom: 30, dayTo: 45, angle: 'fix', onlyIfNotReturnd: false }],
      consent: { sms: { basis: 'consent', expires: 3 } },
    };
    expect(unknownFields(input)).toEqual([
      { path: ['touches', 0, 'onlyIfNotReturnd'], name: 'onlyIfNotReturnd' },
      { path: ['horizonDay'], name: 'horizonDay' },
      { path: ['consent', 'sms', 'expires'], name: 'expires' },
    ]);
  });

  it('closes every object of the schema that names its properties', () => {
    const open: string[] = [];
    const walk = (node: any, path: string) => {
      if (node.properties && node.additionalProperties !== false) open.push(path);
      for (const [key, child] of Object.entries<any>(node.properties ?? {})) walk(child, `${path}.${key}`);
      if (node.items) walk(node.items, `${path}[]`);
    };
    walk(policyJsonSchema(), '$');
    expect(open).toEqual([]);
  });
});
