import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings, SettingsError } from '#lib/settings';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';

/**
 * A bad policy file is reported the same way by `npm run policy -- check`, the local runner
 * (`npm start` with `WINBACK_POLICY_FILE`) and `cdk synth` (`policyFile`): the file, each problem
 * with its JSON path and the offer or touch by id; exit 1; never a stack trace.
 */
const dir = mkdtempSync(join(tmpdir(), 'winback-policy-file-'));
const bad = join(dir, 'bad.json');
const offers = telecomPortOut.offers.map((offer) => (offer.id === 'offer-usage' ? { ...offer, cost: -1 } : offer));
writeFileSync(bad, JSON.stringify({ ...telecomPortOut, offers, touches: [{ ...telecomPortOut.touches[0], dayTo: 20 }] }, null, 2));
const missing = join(dir, 'missing.json');

const EXPECTED_BAD = [
  `Invalid policy file ${bad}:`,
  '  offers[8].cost (offer "offer-usage"): Too small: expected number to be >=0',
  '  touches[0].dayTo (touch 1, angle "fix"): must not be before dayFrom',
].join('\n');
const EXPECTED_MISSING = `Invalid policy file ${missing}:\n  no such file`;

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

function synthError(policyFile: string): string {
  try {
    readSettings({ tryGetContext: (key) => (key === 'winback' ? { sesFromAddress: 'a@b.co', policyFile } : undefined) });
  } catch (error) {
    if (error instanceof SettingsError) return error.message;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('a bad policy file', () => {
  it('is reported by `npm run policy -- check`, exit 1, no stack trace', () => {
    const result = run(['bin/policy.ts', 'check', bad, 'examples/policies/telecom-port-out.v2.json', missing]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${EXPECTED_BAD}\n${EXPECTED_MISSING}`);
    expect(result.stdout).toContain('examples/policies/telecom-port-out.v2.json: ok (telecom-port-out@2)');
  });

  it('stops the local runner with the same report, exit 1, no stack trace', () => {
    const data = mkdtempSync(join(tmpdir(), 'winback-runner-'));
    const result = run(['bin/local.ts'], { PORT: '0', WINBACK_DATA_DIR: data, WINBACK_POLICY_FILE: `${bad},${missing}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${EXPECTED_BAD}\n${EXPECTED_MISSING}`);
  });

  it('fails `cdk synth` with the same report', () => {
    expect(synthError(bad)).toBe(EXPECTED_BAD);
    expect(synthError(missing)).toBe(EXPECTED_MISSING);
  });
});

describe('npm run policy', () => {
  it('explains a policy as JSON, and refuses a wrong command line in a sentence', () => {
    const explained = run(['bin/policy.ts', 'explain', 'examples/policies/subscription.v1.json', '--json']);
    expect(explained.status).toBe(0);
    const explanation = JSON.parse(explained.stdout);
    expect(explanation.policy).toBe('subscription@1');
    // The default table: 0.10 USD per SMS part where the destination is unknown, 0.00581 to the
    // US, 0.0001 per e-mail; at 0.86 EUR per USD: 0.086, 0.0049966 → 0.004997, 0.000086.
    expect(explanation.prices).toMatchObject({ currency: 'EUR', smsPerPart: { default: 0.086 }, emailPerMessage: 0.000086 });
    expect(explanation.prices.smsPerPart.byCountry.US).toBe(0.004997);
    const reminder = explanation.offers.find((o: { offerId: string }) => o.offerId === 'reminder-saved');
    expect(reminder.texts.map((t: { channel: string; parts: number; price: unknown }) => [t.channel, t.parts, t.price])).toEqual([
      ['email', 1, { cost: 0.000086, currency: 'EUR' }],
      ['sms', 1, { cost: 0.086, currency: 'EUR' }],
    ]);
    const wrong = run(['bin/policy.ts', 'explain']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/^npm run policy: explain takes exactly one policy file\nusage: npm run policy -- check <policy.json>…\n/);
    const unknown = run(['bin/policy.ts', 'check', '--jsn', bad]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^npm run policy: Unknown option '--jsn'/);
    const help = run(['bin/policy.ts', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--prices <prices.json>');
  });
});
