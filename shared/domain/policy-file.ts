import type * as z from 'zod';
import { ValidationError, type FieldIssue } from './errors.ts';
import { formatPath } from './events.ts';
import { type LegalSendWindows, windowsOutsideLaw } from './legal-send-windows.ts';
import { type Policy, PolicySchema } from './policy.ts';
import { policyJsonSchema, type SchemaNode, unknownFields } from './policy-json-schema.ts';

/**
 * Policy files, read the same way by every tool that takes one: `npm run policy -- check`, the
 * local runner (`WINBACK_POLICY_FILE`), `cdk synth` (`policyFile`) and the simulator. A bad file
 * is reported, never thrown as a stack trace: the file, then each problem with its JSON path and,
 * for an offer or a touch, its id (`offers[2].text (offer "fix-support")`,
 * `touches[1].dayFrom (touch 2, angle "offer")`).
 */

/** One thing wrong with a policy file: where (a JSON path, labelled; empty: the file as a whole) and what. */
export interface PolicyProblem {
  path: string;
  message: string;
}

export type PolicyFileResult = { ok: true; policy: Policy } | { ok: false; problems: PolicyProblem[] };

/** Options of a deployment that a policy is checked against beyond its schema. */
export interface PolicyFileOptions {
  /** The deployment's legal send windows: a policy market window outside them is refused. */
  legal?: LegalSendWindows;
}

/** The path of a problem with the file as a whole (it cannot be read, it is no JSON). */
const WHOLE_FILE = '';

/** Checks the text of a policy file: JSON, then the schema (unknown fields too), then the deployment's law. */
export function checkPolicyText(text: string, options: PolicyFileOptions = {}): PolicyFileResult {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: WHOLE_FILE, message: jsonSyntaxMessage(text, error) }] };
  }
  const problems: PolicyProblem[] = unknownFields(input, policySchemaNodes()).map(({ path, name }) => ({
    path: labelPath(path, input),
    message: `unknown field "${name}"${suggestion(name, path)}: the policy schema has no such field`,
  }));
  const result = PolicySchema.safeParse(input);
  if (!result.success)
    problems.push(...result.error.issues.map((issue) => ({ path: labelPath(issue.path, input), message: messageOf(issue) })));
  else if (options.legal)
    problems.push(
      ...windowsOutsideLaw(result.data.markets, options.legal).map(({ path, message }) => ({
        path: labelPath(['markets', ...path], input),
        message,
      })),
    );
  return problems.length > 0 || !result.success ? { ok: false, problems } : { ok: true, policy: result.data };
}

/** zod's message, but a missing field says so in words. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message))
    return `is required (${article(issue.expected)}), and missing`;
  return issue.message;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** JSON.parse's message, with the line and column of its position when it gives only an offset. */
function jsonSyntaxMessage(text: string, error: unknown): string {
  if (text.trim() === '') return 'the file is empty: a policy is a JSON object';
  const message = error instanceof Error ? error.message : String(error);
  const offset = /at position (\d+)/.exec(message);
  if (!offset || /line \d+/.test(message)) return `not valid JSON: ${message}`;
  const before = text.slice(0, Number(offset[1]));
  const line = before.split('\n').length;
  return `not valid JSON: ${message} (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/**
 * A JSON path with the id of the offer or touch it runs through: offers by `id`, touches by their
 * number (as journeys name them: touch 1 is the first) and angle, tiers by name, variants by id.
 */
export function labelPath(path: readonly PropertyKey[], input: unknown): string {
  if (path.length === 0) return WHOLE_FILE;
  const text = formatPath(path);
  const [list, index] = path;
  if (typeof index !== 'number') return text;
  const element = (input as Record<string, unknown> | null)?.[String(list)];
  const item = Array.isArray(element) ? (element[index] as Record<string, unknown> | undefined) : undefined;
  const quoted = (value: unknown) => (typeof value === 'string' ? ` "${value}"` : '');
  switch (list) {
    case 'offers':
      return `${text} (offer${quoted(item?.id) || ` ${index + 1}`})`;
    case 'touches':
      return `${text} (touch ${index + 1}${item?.angle !== undefined ? `, angle${quoted(item.angle)}` : ''})`;
    case 'tiers':
      return `${text} (tier${quoted(item?.name) || ` ${index + 1}`})`;
    case 'variants':
      return `${text} (variant${quoted(item?.id) || ` ${index + 1}`})`;
    default:
      return text;
  }
}

/** ", did you mean …?" when a known field of the same object is one or two edits away. */
function suggestion(name: string, path: readonly (string | number)[]): string {
  const known = siblingFields(path);
  const close = known.find((field) => field.toLowerCase() === name.toLowerCase() || editDistance(field, name) <= 2);
  return close ? ` (did you mean "${close}"?)` : '';
}

/** The fields the schema knows beside an unknown one. */
function siblingFields(path: readonly (string | number)[]): string[] {
  let node = policySchemaNodes();
  for (const key of path.slice(0, -1)) {
    // A map's key (a language of `translations`) leads to the map's value schema.
    const values = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    const next = typeof key === 'number' ? node.items : (node.properties?.[key] ?? values);
    if (!next) return [];
    node = next;
  }
  return Object.keys(node.properties ?? {});
}

/** The JSON Schema, generated once: only a file with an unknown field needs it. */
let schema: SchemaNode | undefined;
const policySchemaNodes = (): SchemaNode => {
  schema ??= policyJsonSchema();
  return schema;
};

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** Policy files that could not be read or are invalid: every file, every problem, in the message. */
export class PolicyFileError extends ValidationError {
  constructor(readonly files: ReadonlyArray<{ file: string; problems: PolicyProblem[] }>) {
    super(
      files.map(({ file, problems }) => formatProblems(file, problems)).join('\n'),
      files.flatMap(({ file, problems }): FieldIssue[] =>
        problems.map(({ path, message }) => ({ path: path ? `${file}: ${path}` : file, code: 'invalid_policy', message })),
      ),
    );
  }
}

/** `Invalid policy file FILE:` and one indented line per problem (`  touches[1].dayFrom (touch 2, angle "offer"): …`). */
export function formatProblems(file: string, problems: readonly PolicyProblem[]): string {
  return `Invalid policy file ${file}:${problems.map(({ path, message }) => `\n  ${path ? `${path}: ` : ''}${message}`).join('')}`;
}

/** Why a file could not be read, in words (the system's code for the rest). */
export function readProblem(error: unknown): PolicyProblem {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'is a folder, not a JSON file',
    EACCES: 'not readable (permission denied)',
  };
  return { path: WHOLE_FILE, message: (code && reasons[code]) ?? `cannot be read (${code ?? message ?? String(error)})` };
}

/**
 * Reads and checks policy files, in order; throws one `PolicyFileError` naming every bad file and
 * every problem in it. `read` returns a file's text (the caller's I/O: the domain does none).
 */
export function loadPolicyFiles(files: readonly string[], read: (file: string) => string, options: PolicyFileOptions = {}): Policy[] {
  const bad: Array<{ file: string; problems: PolicyProblem[] }> = [];
  const policies: Policy[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = read(file);
    } catch (error) {
      bad.push({ file, problems: [readProblem(error)] });
      continue;
    }
    const result = checkPolicyText(text, options);
    if (result.ok) policies.push(result.policy);
    else bad.push({ file, problems: result.problems });
  }
  if (bad.length > 0) throw new PolicyFileError(bad);
  return policies;
}
