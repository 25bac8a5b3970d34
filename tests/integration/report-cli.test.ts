import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_REPORT_KEY, REPORT_OUTPUT_KEYS } from '#shared/report/keys';
import { type AthenaStub, startAthenaStub } from '../support/athena-stub.ts';
import { handWorkedFacts, writeNight } from '../support/report-facts.ts';

/** `npm run report` as a person runs it: locally over the lake, and against a deployed stack with --aws. */

const NIGHT = '2026-10-01';
const BUCKET = 'winback-lake-cli';

let dir: string;
let athena: AthenaStub;

/** Runs bin/report.ts; never throws, so a test can read a failure's exit code and message. */
async function report(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/report.ts', ...args], {
      env: { ...process.env, WINBACK_DATA_DIR: dir, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Every file under the local lake, as the Athena stub reads the bucket. */
function lakeFiles(root: string): Array<{ key: string; body: Uint8Array }> {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .map((file) => ({ key: relative(root, file), body: readFileSync(file) }));
}

/**
 * A stand-in for the AWS CLI on PATH: logs its arguments, answers describe-stacks with the
 * stack's outputs, head-object for the latest report only, and presign with a signed-looking URL.
 */
function fakeAwsCli(): { path: string; log: string } {
  const bin = join(dir, 'bin');
  const log = join(dir, 'aws-calls.log');
  const outputs = JSON.stringify(
    Object.values(REPORT_OUTPUT_KEYS).map((key) => ({
      OutputKey: key,
      OutputValue: key === REPORT_OUTPUT_KEYS.bucket ? BUCKET : 'winback',
    })),
  );
  writeFileSync(join(dir, 'outputs.json'), outputs);
  rmSync(log, { force: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'aws'),
    `#!/bin/sh
echo "$@" >> '${log}'
case "$1 $2" in
  "cloudformation describe-stacks") cat '${join(dir, 'outputs.json')}' ;;
  "s3api head-object") case "$*" in *"--key ${LATEST_REPORT_KEY}"*) echo '{}' ;; *) echo 'An error occurred (404) when calling the HeadObject operation: Not Found' >&2; exit 254 ;; esac ;;
  "s3 presign") echo "https://${BUCKET}.s3.eu-west-1.amazonaws.com/${LATEST_REPORT_KEY}?X-Amz-Expires=3600&X-Amz-Signature=0123abcd" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`,
  );
  chmodSync(join(bin, 'aws'), 0o755);
  return { path: `${bin}:${process.env.PATH}`, log };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winback-report-cli-'));
  await writeNight(join(dir, 'lake'), NIGHT, handWorkedFacts());
  athena = await startAthenaStub(async () => lakeFiles(join(dir, 'lake')));
});
afterAll(async () => {
  await athena?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run report', () => {
  it('writes the latest night of the local lake to the file asked for', async () => {
    const out = join(dir, 'local.html');
    const { code, stdout } = await report(['--out', out]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`wrote ${out} (night ${NIGHT})`);
    expect(readFileSync(out, 'utf8')).toContain(`Winback KPI report · night ${NIGHT}`);
  });

  it('says which nights there are when asked for one without KPIs, and exits 1 without a stack trace', async () => {
    const { code, stderr } = await report(['--date', '2026-09-01', '--out', join(dir, 'none.html')]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`report: the kpis table has no night 2026-09-01; nights with KPIs: ${NIGHT}`);
  });

  it('refuses bad options with the usage, exit 2', async () => {
    for (const args of [['--date', '1 May'], ['--open-url'], ['--aws', '--open-url', '--out', 'x.html']]) {
      const { code, stderr } = await report(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain('usage: npm run report');
    }
  });

  it('with --aws, runs the same queries in Athena for the deployed stack and writes the same page', async () => {
    const cli = fakeAwsCli();
    const out = join(dir, 'aws.html');
    const { code, stdout, stderr } = await report(['--aws', '--out', out], {
      PATH: cli.path,
      AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('report:');
    expect(stdout).toContain(`(night ${NIGHT})`);
    expect(readFileSync(out, 'utf8').replace(/generated [^<]*UTC/, '')).toBe(
      readFileSync(join(dir, 'local.html'), 'utf8').replace(/generated [^<]*UTC/, ''),
    );
    expect(readFileSync(cli.log, 'utf8')).toContain('cloudformation describe-stacks --stack-name WinbackEngine');
  });

  it('with --aws --open-url, prints a presigned URL to the latest report, or says there is none for a night', async () => {
    const cli = fakeAwsCli();
    const latest = await report(['--aws', '--open-url'], { PATH: cli.path });
    expect(latest).toMatchObject({
      code: 0,
      stdout: `https://${BUCKET}.s3.eu-west-1.amazonaws.com/${LATEST_REPORT_KEY}?X-Amz-Expires=3600&X-Amz-Signature=0123abcd\n`,
    });
    expect(readFileSync(cli.log, 'utf8')).toContain(`s3 presign s3://${BUCKET}/${LATEST_REPORT_KEY} --expires-in 3600`);

    const missing = await report(['--aws', '--open-url', '--date', '2026-09-01'], { PATH: cli.path });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      `report: no report at s3://${BUCKET}/reports/dt=2026-09-01/index.html: the nightly job writes it after that night's KPIs (or check your AWS credentials)`,
    );
  });
});
