import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

/** Runs `code` as an ES module with tsx, in an environment without the SDK's switch; what it printed on stderr. */
async function stderrOf(code: string): Promise<string> {
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env });
  return stderr;
}

const createClient = "const { SQSClient } = await import('@aws-sdk/client-sqs'); new SQSClient({ region: 'eu-west-1' });";

describe("the AWS SDK's Node.js version warning", () => {
  it('is not printed by a command that imports bin/sdk-warning.ts first; other warnings still are', async () => {
    const stderr = await stderrOf(`await import('./bin/sdk-warning.ts'); ${createClient} process.emitWarning('another warning');`);

    expect(stderr).not.toContain('NodeVersionSupportWarning');
    expect(stderr).toContain('another warning');
  });

  it.runIf(Number(process.versions.node.split('.')[0]) < 22)(
    'is printed without it, on this Node.js (so the test above can fail)',
    async () => {
      expect(await stderrOf(createClient)).toContain('NodeVersionSupportWarning');
    },
  );

  it('is silenced first thing in every command npm runs with tsx', () => {
    const cdkApp = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { app: string }).app;
    const entries = [...Object.values(packageJson.scripts), cdkApp].flatMap((script) =>
      [...script.matchAll(/\btsx (\S+\.ts)\b/g)].map((m) => m[1]!),
    );
    expect(entries).toEqual(expect.arrayContaining(['bin/local.ts', 'bin/query.ts', 'bin/app.ts', 'scripts/cost-estimate.ts']));
    for (const entry of entries) {
      const firstImport = /^import [^;]+;/m.exec(readFileSync(entry, 'utf8'))?.[0];
      expect(firstImport, entry).toMatch(/^import '(\.\/|\.\.\/bin\/)sdk-warning\.ts';$/);
    }
  });
});
