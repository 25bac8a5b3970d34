import { readFileSync } from 'node:fs';
import { DomainError } from '#shared/domain/errors';
import { parsePolicy, type Policy } from '#shared/domain/policy';
import { CommandError } from './cli.ts';

/**
 * Reading the operator's policy files for a command (the local runner; any command that takes
 * policy files): every file is read and checked, and every problem of every file is reported at
 * once, each naming the file and the JSON path, as one error a command prints without a stack
 * trace.
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

/** `Invalid policy file a.json:` then one indented line per problem (`  touches[1].channel: …`), for each file. */
export function formatPolicyFileIssues(issues: readonly PolicyFileIssue[]): string {
  const files = [...new Set(issues.map((issue) => issue.file))];
  return files
    .map((file) => {
      const lines = issues.filter((issue) => issue.file === file).map(({ path, message }) => `  ${path ? `${path}: ` : ''}${message}`);
      return `Invalid policy file ${file}:\n${lines.join('\n')}`;
    })
    .join('\n');
}

/** Why a file could not be read, in words (the system's code for the rest). */
function unreadable(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'no such file';
  if (error.code === 'EISDIR') return 'is a folder, not a JSON file';
  if (error.code === 'EACCES') return 'not readable (permission denied)';
  return `cannot be read (${error.code ?? error.message})`;
}

/** JSON.parse's message, with the line and column of its position when it gives only an offset. */
function jsonProblem(message: string, text: string): string {
  const offset = /at position (\d+)/.exec(message);
  if (!offset || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(offset[1]));
  const line = before.split('\n').length;
  return `${message} (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/** One file's policy, or its problems. */
function readOne(file: string): Policy | PolicyFileIssue[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return [{ file, path: '', message: unreadable(error as NodeJS.ErrnoException) }];
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return [{ file, path: '', message: `not valid JSON: ${jsonProblem((error as Error).message, text)}` }];
  }
  try {
    return parsePolicy(json);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.details.length === 0) return [{ file, path: '', message: error.message }];
    return error.details.map(({ path, message }) => ({ file, path, message }));
  }
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
