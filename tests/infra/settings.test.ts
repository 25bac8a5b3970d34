import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { DEFAULT_PRICE_TABLE } from '#shared/domain/default-prices';
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

describe('message prices in the settings', () => {
  it('are the defaults unless given, and a channel given replaces its default', () => {
    expect(read({ sesFromAddress: 'a@b.co' }).prices).toEqual(DEFAULT_PRICE_TABLE);
    const sms = { default: 0.08, byCountry: { ES: 0.07 } };
    expect(read({ sesFromAddress: 'a@b.co', prices: { channels: { sms } } }).prices.channels).toEqual({
      ...DEFAULT_PRICE_TABLE.channels,
      sms,
    });
  });

  it('name every field at fault', () => {
    expect(errorOf({ sesFromAddress: 'a@b.co', prices: { channels: { sms: { default: -0.01, byCountry: { XX1: 0.1 } } } } })).toBe(
      'Invalid Winback settings (cdk.json context "winback"):\n' +
        '  prices.channels.sms.default: must be 0 or more\n' +
        '  prices.channels.sms.byCountry.XX1: must be an ISO 3166-1 alpha-2 country code in capitals, e.g. "GB"',
    );
    expect(errorOf({ sesFromAddress: 'a@b.co', prices: { currency: 'EUR', channels: { sms: { default: 0.05 } } } })).toBe(
      'Invalid Winback settings (cdk.json context "winback"):\n' +
        '  prices.channels.email: is required: the default prices are in USD, this table in EUR\n' +
        '  prices.channels.push: is required: the default prices are in USD, this table in EUR\n' +
        '  prices.channels.whatsapp: is required: the default prices are in USD, this table in EUR',
    );
  });

  it('refuse a policy in a currency the table cannot price in, naming the policy and both currencies', () => {
    const prices = { exchangeRates: { EUR: 0.9 } };
    expect(read({ sesFromAddress: 'a@b.co', prices }).prices.exchangeRates).toEqual({ EUR: 0.9 });
    const gbp = {
      currency: 'GBP',
      channels: { sms: { default: 0.04 }, email: { default: 0.0001 }, push: { default: 0 }, whatsapp: { default: 0.05 } },
    };
    expect(errorOf({ sesFromAddress: 'a@b.co', prices: gbp })).toBe(
      'Invalid Winback settings (cdk.json context "winback"):\n' +
        '  prices: policy telecom-port-out@3 is in EUR but the price table is in GBP: give prices.exchangeRates.EUR (EUR per 1 GBP) or prices in EUR\n' +
        '  prices: policy subscription@2 is in EUR but the price table is in GBP: give prices.exchangeRates.EUR (EUR per 1 GBP) or prices in EUR\n' +
        '  prices: policy telecom-port-out@2 is in EUR but the price table is in GBP: give prices.exchangeRates.EUR (EUR per 1 GBP) or prices in EUR\n' +
        '  prices: policy telecom-port-out@1 is in EUR but the price table is in GBP: give prices.exchangeRates.EUR (EUR per 1 GBP) or prices in EUR\n' +
        '  prices: policy subscription@1 is in EUR but the price table is in GBP: give prices.exchangeRates.EUR (EUR per 1 GBP) or prices in EUR',
    );
  });
});

describe('partner push in the settings', () => {
  it('takes an HTTPS endpoint, and a secret by its complete ARN or none', () => {
    const endpoint = 'https://push.bank-partner.example/winback';
    expect(read({ partnerPush: { endpoint } }).partnerPush).toEqual({ endpoint });
    const signingSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:winback/partner-push-AbC123';
    expect(read({ partnerPush: { endpoint, signingSecretArn } }).partnerPush).toEqual({ endpoint, signingSecretArn });
  });

  it('refuses a plain HTTP endpoint, a partial secret ARN and an unknown field, naming each', () => {
    expect(
      errorOf({
        partnerPush: {
          endpoint: 'http://push.bank-partner.example/winback',
          signingSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:winback/partner-push',
          secret: 'in-clear',
        },
      }),
    ).toBe(
      [
        'Invalid Winback settings (cdk.json context "winback"):',
        '  partnerPush.endpoint: must be an https:// URL: push messages carry customer ids and offers, never sent in clear',
        '  partnerPush.signingSecretArn: must be the complete ARN of a Secrets Manager secret (ending in the 6 characters Secrets Manager adds to its name)',
        '  partnerPush: Unrecognized key: "secret"',
      ].join('\n'),
    );
  });
});
