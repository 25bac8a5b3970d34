import { describe, expect, it } from 'vitest';
import { helpText, numberOption, parseCommandLine, UsageError, usageText, type CommandSpec } from '../../../bin/cli.ts';

const SPEC = {
  command: 'npm run thing --',
  summary: 'Does a thing.',
  usage: ['[--json] --file <path>', '[--json] "<text>"'],
  options: {
    file: { type: 'string', short: 'f', value: 'path', description: 'read it from this file' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  positionals: true,
  environment: [
    { name: 'THING_DIR', description: 'where things live', default: '.things' },
    { name: 'THING_KEY', description: 'the key' },
  ],
  notes: ['See docs/thing.md.'],
} as const satisfies CommandSpec;

describe('the command-line helper', () => {
  it('lists every option, with its value and description, --help, and every variable with its default', () => {
    const help = helpText(SPEC);

    expect(help.split('\n')).toEqual([
      'Does a thing.',
      '',
      'Usage:',
      '  npm run thing -- [--json] --file <path>',
      '  npm run thing -- [--json] "<text>"',
      '',
      'Options:',
      '  -f, --file <path>  read it from this file',
      '  --json             print JSON',
      '  -h, --help         print this help and exit',
      '',
      'Environment:',
      '  THING_DIR  where things live (default: .things)',
      '  THING_KEY  the key',
      '',
      'See docs/thing.md.',
    ]);
  });

  it('parses options and arguments, and says when help was asked for', () => {
    expect(parseCommandLine(SPEC, ['--json', '-f', 'a.txt'])).toEqual({
      values: { json: true, file: 'a.txt' },
      positionals: [],
      help: false,
    });
    expect(parseCommandLine(SPEC, ['hello', 'world'])).toEqual({ values: {}, positionals: ['hello', 'world'], help: false });
    expect(parseCommandLine(SPEC, ['-h']).help).toBe(true);
  });

  it('names the option at fault, without parseArgs’s hint about "--"', () => {
    const mistake = (args: string[]) => {
      try {
        parseCommandLine(SPEC, args);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };

    expect(mistake(['--bogus'])).toBe("Unknown option '--bogus'");
    expect(mistake(['--file'])).toMatch(/^Option '-f, --file <value>' argument missing$/);
    expect(() => parseCommandLine({ ...SPEC, positionals: false }, ['stray'])).toThrow(/Unexpected argument 'stray'/);
  });

  it('prints a mistake as its own line, then the usage and where the help is', () => {
    expect(usageText(SPEC, 'give the text').split('\n')).toEqual([
      'npm run thing: give the text',
      'usage: npm run thing -- [--json] --file <path>',
      '       npm run thing -- [--json] "<text>"',
      'help:  npm run thing -- --help',
    ]);
  });

  it('reads a numeric option as a decimal within its bounds, naming the option otherwise', () => {
    expect(numberOption('rate', undefined, 7)).toBe(7);
    expect(numberOption('rate', '2.5', 7)).toBe(2.5);
    expect(numberOption('runs', '1e3', 7, { integer: true })).toBe(1000);
    expect(Object.is(numberOption('share', '-0', 1, { min: 0 }), 0)).toBe(true);
    for (const [value, message] of [
      ['', '--runs must be a whole number ≥ 1, got ""'],
      ['0x10', '--runs must be a whole number ≥ 1, got "0x10"'],
      ['1.5', '--runs must be a whole number ≥ 1, got "1.5"'],
      ['1e20', '--runs must be a whole number ≥ 1, got "1e20"'],
      ['0', '--runs must be a whole number ≥ 1, got "0"'],
    ])
      expect(() => numberOption('runs', value, 7, { min: 1, integer: true })).toThrow(new UsageError(message));
    expect(() => numberOption('share', '1.5', 0, { min: 0, max: 1 })).toThrow('--share must be a number ≥ 0 and ≤ 1, got "1.5"');
  });
});
