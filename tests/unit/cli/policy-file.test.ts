import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { subscription } from '#shared/domain/policies/subscription';
import { PolicyFileError, policyFileList, readPolicyFiles } from '../../../bin/policy-file.ts';

describe('reading policy files for a command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'winback-policy-file-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads valid files in order', () => {
    const good = file('good.json', JSON.stringify(subscription));
    const key = `${subscription.id}@${subscription.version}`;
    expect(readPolicyFiles([good, good]).map((policy) => `${policy.id}@${policy.version}`)).toEqual([key, key]);
  });

  it('reports every problem of every file at once, each naming the file and the JSON path', () => {
    // Prepare: a missing file, a folder, broken JSON, and a policy with two bad fields.
    const broken = file('broken.json', '{\n  "id": "x",\n}');
    const invalid = file('invalid.json', JSON.stringify({ ...subscription, horizonDays: -1, channels: ['pigeon'] }));
    mkdirSync(join(dir, 'folder.json'), { recursive: true });
    const files = [join(dir, 'missing.json'), join(dir, 'folder.json'), broken, invalid];

    // Act
    let error: unknown;
    try {
      readPolicyFiles(files);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(PolicyFileError);
    const issues = (error as PolicyFileError).issues;
    expect(issues.map(({ file, path }) => [file, path])).toEqual([
      [files[0], ''],
      [files[1], ''],
      [broken, ''],
      [invalid, 'horizonDays'],
      [invalid, 'channels[0]'],
    ]);
    expect(issues[0]!.message).toBe('no such file');
    expect(issues[1]!.message).toBe('is a folder, not a JSON file');
    expect(issues[2]!.message).toMatch(/^not valid JSON: .*\(line 3, column 1\)$/);
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe(`Invalid policy file ${files[0]}:`);
    expect(lines).toContain(`Invalid policy file ${invalid}:`);
    expect(lines.filter((line) => line.startsWith('  horizonDays: '))).toHaveLength(1);
    expect((error as Error).message).not.toMatch(/\n\s+at /);
  });

  it('splits WINBACK_POLICY_FILE on commas, ignoring blanks', () => {
    expect(policyFileList(' a.json, ,b.json,')).toEqual(['a.json', 'b.json']);
    expect(policyFileList(undefined)).toEqual([]);
  });
});
