import * as z from 'zod';
import { PolicyFields } from './policy-fields.ts';

/** Where the committed JSON Schema lives, from the repository root; policy files name it in `$schema`. */
export const POLICY_SCHEMA_PATH = 'docs/schemas/policy.schema.json';

/** A JSON Schema node, as far as the field reference and the unknown-field check read it. */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  'x-unit'?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  propertyNames?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  [keyword: string]: unknown;
}

/**
 * The JSON Schema of a policy file, generated from the zod schema (what a file may hold: fields
 * with defaults are optional). Every object refuses fields it does not know (a misspelt optional
 * field would otherwise be ignored without a word), and the root allows `$schema`, so an editor
 * completes and checks a file that names it. The rules between fields (touch windows in order, an
 * offer for every touch) are only in the zod schema: `npm run policy -- check` applies both.
 */
export function policyJsonSchema(): SchemaNode {
  const generated = z.toJSONSchema(PolicyFields, { io: 'input', target: 'draft-2020-12' }) as SchemaNode;
  const closed = closeObjects(generated);
  return {
    $schema: generated.$schema,
    title: 'Winback policy',
    description:
      'A Winback policy: who is worth winning back, when and on which channel they are contacted, with which offer. Field reference: docs/policies.md.',
    ...closed,
    properties: { $schema: { type: 'string', description: 'The JSON Schema this file follows, for editors.' }, ...closed.properties },
  };
}

/** A copy of `node` in which every object with named properties allows no others. */
function closeObjects(node: SchemaNode): SchemaNode {
  const copy: SchemaNode = { ...node };
  delete copy.$schema;
  if (copy.properties) {
    copy.properties = Object.fromEntries(Object.entries(copy.properties).map(([key, child]) => [key, closeObjects(child)]));
    copy.additionalProperties = false;
  }
  if (copy.items) copy.items = closeObjects(copy.items);
  // A map's values (translations by language): each closed as any other object.
  if (typeof copy.additionalProperties === 'object') copy.additionalProperties = closeObjects(copy.additionalProperties);
  if (copy.anyOf) copy.anyOf = copy.anyOf.map(closeObjects);
  return copy;
}

/** A field the schema does not know, found in a policy document. */
export interface UnknownField {
  path: Array<string | number>;
  name: string;
}

/** Every field of `input` that the schema does not know, with its path: the same rule editors apply with the schema. */
export function unknownFields(input: unknown, schema: SchemaNode = policyJsonSchema()): UnknownField[] {
  const found: UnknownField[] = [];
  const walk = (value: unknown, node: SchemaNode | undefined, path: Array<string | number>) => {
    if (!node || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, node.items, [...path, i]);
      return;
    }
    const objectNode = node.properties ? node : node.anyOf?.find((option) => option.properties);
    // A map (translations by language): every value against the map's value schema.
    if (!objectNode && typeof node.additionalProperties === 'object') {
      for (const [key, child] of Object.entries(value)) walk(child, node.additionalProperties, [...path, key]);
      return;
    }
    if (!objectNode?.properties) return;
    for (const [key, child] of Object.entries(value)) {
      const known = objectNode.properties[key];
      if (known) walk(child, known, [...path, key]);
      else if (objectNode.additionalProperties === false) found.push({ path: [...path, key], name: key });
    }
  };
  walk(input, schema, []);
  return found;
}
