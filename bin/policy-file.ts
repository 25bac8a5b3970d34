import { readFileSync } from 'node:fs';
import type { Policy } from '#shared/domain/policy';
import { checkPolicyText, readProblem } from '#shared/domain/policy-file';
import { CommandError } from './cli.ts';

/**
 * Reading the operator's policy files for a command (the local runner, `npm run policy`, the
 * simulator): every file is read and checked by the loader `cdk synth` uses too
 * (shared/domain/policy-file.ts), and every problem of every file is reported at once, each
 * naming the file, the JSON path and the offer or touch by id, as one error a command prints
 * without a stack trace.
 */

/** One problem of one policy file: `path` is the JSON path in it (empty: the file as a whole). */
export interface PolicyFileIssue {
  file: string;
  path: string;
  message: string;
}

/** Policy files that cannot be used; the message lists every problem, file by file. */
export class PolicyFileError extends CommandError {
  override name = 'PolicyFileError';
  constructor(readonly issues: readonly PolicyFileIssue[]) {
    super(formatPolicyFileIssues(issues));
  }
}

/** `Invalid policy file a.json:` then one indented line per problem (`  touches[1].dayFrom (touch 2, angle "offer"): …`), for each file. */
export function formatPolicyFileIssues(issues: readonly PolicyFileIssue[]): string {
  const files = [...new Set(issues.map((issue) => issue.file))];
  return files
    .map((file) => {
      const lines = issues.filter((issue) => issue.file === file).map(({ path, message }) => `  ${path ? `${path}: ` : ''}${message}`);
      return `Invalid policy file ${file}:\n${lines.join('\n')}`;
    })
    .join('\n');
}

/** One file's policy, or its problems, as the one policy-file loader (shared/domain/policy-file.ts) finds them. */
function readOne(file: string): Policy | PolicyFileIssue[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return [{ file, ...readProblem(error) }];
  }
  const result = checkPolicyText(text);
  return result.ok ? result.policy : result.problems.map((problem) => ({ file, ...problem }));
}

/**
 * The policies of `files`, in order. @throws PolicyFileError listing every problem of every
 * file, when any file cannot be read, is not JSON, or is not a valid policy.
 */
export function readPolicyFiles(files: readonly string[]): Policy[] {
  const results = files.map(readOne);
  const issues = results.flatMap((result) => (Array.isArray(result) ? result : []));
  if (issues.length > 0) throw new PolicyFileError(issues);
  return results as Policy[];
}

/** `WINBACK_POLICY_FILE`'s list: file names separated by commas, blanks ignored. */
export function policyFileList(setting: string | undefined): string[] {
  return (setting ?? '')
    .split(',')
    .map((file) => file.trim())
    .filter(Boolean);
}
