import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { readSettings, SettingsError } from '#lib/settings';

/** Settings as `context.winback` in cdk.json. */
const read = (winback: Record<string, unknown>) => readSettings({ tryGetContext: (key) => (key === 'winback' ? winback : undefined) });
const errorOf = (winback: Record<string, unknown>): string => {
  try {
    read(winback);
  } catch (error) {
    if (error instanceof SettingsError) return error.message;
    throw error;
  }
  throw new Error('the settings were accepted');
};

describe('legal send windows in the settings', () => {
  it('add markets for the deployment, and narrow known ones', () => {
    const settings = read({
      sesFromAddress: 'a@b.co',
      legalSendWindows: [
        { market: 'FR', start: '08:00', end: '20:00', weekdays: [1, 2, 3, 4, 5, 6] },
        { market: 'US-FL', start: '09:00', end: '20:00' },
      ],
    });
    expect(settings.legalSendWindows).toEqual([
      { market: 'FR', start: '08:00', end: '20:00', weekdays: [1, 2, 3, 4, 5, 6] },
      { market: 'US-FL', start: '09:00', end: '20:00', weekdays: [1, 2, 3, 4, 5, 6, 7] },
    ]);
    expect(read({ sesFromAddress: 'a@b.co' }).legalSendWindows).toEqual([]);
  });

  it('refuse to widen the law, naming the market', () => {
    expect(
      errorOf({
        sesFromAddress: 'a@b.co',
        legalSendWindows: [
          { market: 'FR', start: '08:00', end: '20:00' },
          { market: 'US', start: '07:00', end: '21:00' },
        ],
      }),
    ).toBe(
      'Invalid Winback settings (cdk.json context "winback"):\n' +
        '  legalSendWindows[1]: US 07:00–21:00 every day would widen its legal send window (08:00–21:00 every day): a deployment may add a market or narrow one, never widen one',
    );
  });

  it('refuse an operator policy whose rule for a market shares no hour with the deployment’s window there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'winback-settings-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ ...telecomPortOut, id: 'fr', markets: [{ market: 'FR', start: '14:00', end: '18:00' }] }));
    const legalSendWindows = [{ market: 'FR', start: '09:00', end: '12:00', weekdays: [1, 2, 3, 4, 5] }];

    expect(errorOf({ sesFromAddress: 'a@b.co', policyFile: file, legalSendWindows })).toBe(
      `Invalid policy file ${file}:\n  markets[0]: 14:00–18:00 every day lies entirely outside the legal send window of FR (09:00–12:00 on weekdays 1,2,3,4,5): nothing could ever be sent there`,
    );
    expect(read({ sesFromAddress: 'a@b.co', policyFile: file }).policies[0]!.markets).toHaveLength(1);
  });
});
