import { parseArgs } from 'node:util';

/**
 * The command-line helper every Winback command uses: one declaration of a command's options and
 * environment variables gives both its parser (`node:util` parseArgs) and its `--help`, so the
 * help cannot list an option the command does not take. A usage mistake ends in one line naming
 * it and pointing at `--help`, exit 2; never a stack trace.
 */

/** One option, as the command parses it and `--help` lists it. */
export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  /** What the value is, for the help line (`--file <path.sql>`): string options only. */
  value?: string;
  /** The option may be given several times: its value is the list of them (string options only). */
  multiple?: boolean;
  description: string;
}

/** One environment variable the command reads, as `--help` lists it. */
export interface CliVariable {
  name: string;
  description: string;
  /** The value used when it is not set, as text; absent when there is none. */
  default?: string;
}

/** A command: what `--help` prints, and what the parser accepts. */
export interface CommandSpec<O extends Record<string, CliOption> = Record<string, CliOption>> {
  /** How it is run, e.g. `npm run query --`. */
  command: string;
  /** One sentence: what it does. */
  summary: string;
  /** The argument part of each usage line, e.g. `[--json] "<SQL>"`. */
  usage: readonly string[];
  /** Its options; `--help` (`-h`) is added to every command. */
  options: O;
  /** Whether it takes arguments besides options. */
  positionals?: boolean;
  environment?: readonly CliVariable[];
  /** Lines printed after the options and variables: examples, where to read more. */
  notes?: readonly string[];
}

/** What an option parses to. */
type OptionValue<T extends CliOption> = T['type'] extends 'boolean' ? boolean : T['multiple'] extends true ? string[] : string;

/** The parsed command line: each option given (booleans given are true), and the arguments. */
export interface ParsedCommandLine<O extends Record<string, CliOption>> {
  values: { [K in keyof O]?: OptionValue<O[K]> };
  positionals: string[];
}

/** A command line the command cannot run with; the message says what is wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const HELP: CliOption = { type: 'boolean', short: 'h', description: 'print this help and exit' };

/** Two aligned columns, the second wrapped under itself. */
function columns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd());
}

/** The `--help` text of a command. */
export function helpText<O extends Record<string, CliOption>>(spec: CommandSpec<O>): string {
  const options = { ...spec.options, help: HELP };
  const optionRows = Object.entries(options).map(([name, option]): [string, string] => {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` <${option.value ?? 'value'}>` : ''}${option.multiple ? ' …' : ''}`;
    return [flag, option.description];
  });
  const lines = [spec.summary, '', 'Usage:', ...spec.usage.map((usage) => `  ${spec.command} ${usage}`.trimEnd()), '', 'Options:'];
  lines.push(...columns(optionRows));
  if (spec.environment && spec.environment.length > 0) {
    const rows = spec.environment.map(({ name, description, default: fallback }): [string, string] => [
      name,
      fallback === undefined ? description : `${description} (default: ${fallback})`,
    ]);
    lines.push('', 'Environment:', ...columns(rows));
  }
  if (spec.notes && spec.notes.length > 0) lines.push('', ...spec.notes);
  return lines.join('\n');
}

/** What a usage mistake prints: the mistake, the usage lines, and where the help is. */
export function usageText(spec: CommandSpec, mistake: string): string {
  const name = spec.command.replace(/ --$/, '');
  const usage = spec.usage.map((line, i) => `${i === 0 ? 'usage: ' : '       '}${spec.command} ${line}`.trimEnd());
  return [`${name}: ${mistake}`, ...usage, `help:  ${spec.command} --help`].join('\n');
}

/**
 * Parses a command line against `spec`. Throws {@link UsageError} for an unknown option, a
 * missing value or an argument the command does not take; `help` is true when `--help` was given.
 */
export function parseCommandLine<O extends Record<string, CliOption>>(
  spec: CommandSpec<O>,
  args: readonly string[],
): ParsedCommandLine<O> & { help: boolean } {
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, help: HELP } as Record<string, CliOption>).map(([name, { type, short, multiple }]) => [
      name,
      { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: spec.positionals === true, strict: true });
    const { help, ...rest } = values as Record<string, string | boolean | undefined>;
    return { values: rest as ParsedCommandLine<O>['values'], positionals, help: help === true };
  } catch (error) {
    // parseArgs's own messages name the option at fault; its hint about `--` does not apply here.
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(message);
  }
}

/**
 * Reads the command line of this process: prints the help and exits 0 on `--help`; prints one
 * line and exits 2 on a usage mistake (also one `validate` throws as a {@link UsageError}).
 */
export function readCommandLine<O extends Record<string, CliOption>, T = ParsedCommandLine<O>>(
  spec: CommandSpec<O>,
  validate: (parsed: ParsedCommandLine<O>) => T = (parsed) => parsed as T,
  args: readonly string[] = process.argv.slice(2),
): T {
  try {
    const { help, ...parsed } = parseCommandLine(spec, args);
    if (help) {
      console.log(helpText(spec));
      process.exit(0);
    }
    return validate(parsed);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(usageText(spec, error.message));
    process.exit(2);
  }
}

/**
 * A command cannot go on, for a reason its user can fix: its message says what is wrong and what
 * to do, and the command prints it (no stack trace) and exits 1.
 */
export class CommandError extends Error {
  override name = 'CommandError';
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A numeric option's value, or `fallback` when it was not given; anything that is not a number
 * in `[min, max]` (an integer where `integer`) is a {@link UsageError} naming the option.
 */
export function numberOption(
  name: string,
  value: string | undefined,
  fallback: number,
  { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false } = {},
): number {
  if (value === undefined) return fallback;
  // Decimal only: `Number` would also read `0x10`, `0b1` and `''`.
  const number = DECIMAL.test(value) ? Number(value) + 0 : Number.NaN;
  if (!Number.isFinite(number) || number < min || number > max || (integer && !Number.isSafeInteger(number))) {
    const range = [min > Number.NEGATIVE_INFINITY ? `≥ ${min}` : '', max < Number.POSITIVE_INFINITY ? `≤ ${max}` : '']
      .filter(Boolean)
      .join(' and ');
    throw new UsageError(
      `--${name} must be ${integer ? 'a whole number' : 'a number'}${range ? ` ${range}` : ''}, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}
