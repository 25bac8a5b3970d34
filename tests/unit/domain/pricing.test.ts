import parsePhoneNumber from 'libphonenumber-js/min';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_TABLE, PriceSettingsSchema } from '#shared/domain/default-prices';
import { destinationCountry, type PriceTable, priceCurrencyIssues, priceMessage } from '#shared/domain/pricing';
import { toFieldIssues } from '#shared/domain/events';

/** Round numbers, so every expected cost below is computed by hand. */
const TABLE: PriceTable = {
  currency: 'USD',
  channels: {
    sms: { default: 0.1, byCountry: { US: 0.00581, GB: 0.04, RU: 0.3 } },
    email: { default: 0.0001, byCountry: {} },
    push: { default: 0, byCountry: {} },
    whatsapp: { default: 0.05, byCountry: {} },
  },
  exchangeRates: { EUR: 0.5 },
};

const US = '+14155550100';
const GB = '+447400123456';
const RU = '+79161234567';
const sms = (to: string, text: string) => ({ channel: 'sms' as const, to, text });

describe('priceMessage', () => {
  it('prices a GSM-7 SMS of 160 characters as 1 part, and of 161 as 2 parts', () => {
    // 1 × 0.00581; 2 × 0.00581 = 0.01162
    expect(priceMessage(TABLE, sms(US, 'a'.repeat(160)))).toEqual({ cost: 0.00581, parts: 1, currency: 'USD', country: 'US' });
    expect(priceMessage(TABLE, sms(US, 'a'.repeat(161)))).toEqual({ cost: 0.01162, parts: 2, currency: 'USD', country: 'US' });
  });

  it('prices a 71-character Cyrillic SMS as 2 UCS-2 parts at the destination country rate', () => {
    const text = 'Ж'.repeat(71); // UCS-2: 70 in one part, 67 per part when split → ⌈71 / 67⌉ = 2
    // 2 × 0.3 = 0.6
    expect(priceMessage(TABLE, sms(RU, text))).toEqual({ cost: 0.6, parts: 2, currency: 'USD', country: 'RU' });
  });

  it('counts an emoji as two UCS-2 units', () => {
    // 35 emoji = 70 UTF-16 units: 1 part (0.04); 36 = 72 units: ⌈72 / 67⌉ = 2 parts (0.08)
    expect(priceMessage(TABLE, sms(GB, '😀'.repeat(35)))).toMatchObject({ cost: 0.04, parts: 1, country: 'GB' });
    expect(priceMessage(TABLE, sms(GB, '😀'.repeat(36)))).toMatchObject({ cost: 0.08, parts: 2, country: 'GB' });
  });

  it('prices a country not in the table, or a number it cannot place, at the default', () => {
    // Nigeria is not listed: 1 × 0.1
    expect(priceMessage(TABLE, sms('+2348031234567', 'hi'))).toEqual({ cost: 0.1, parts: 1, currency: 'USD', country: 'NG' });
    // +44 7700 900xxx is reserved for drama: no country, so the default
    expect(priceMessage(TABLE, sms('+447700900123', 'hi'))).toEqual({ cost: 0.1, parts: 1, currency: 'USD' });
  });

  it('prices an e-mail per message whatever its length, and a task notice at 0', () => {
    expect(priceMessage(TABLE, { channel: 'email', to: 'a@example.com', text: 'x'.repeat(5000) })).toEqual({
      cost: 0.0001,
      parts: 1,
      currency: 'USD',
    });
    expect(priceMessage(TABLE, { channel: 'task', to: 'retention', text: 'call back' })).toEqual({ cost: 0, parts: 1, currency: 'USD' });
  });

  it("converts into the policy's currency by the table's rate, and rounds to 6 decimals", () => {
    // 2 parts × 0.00581 USD × 0.5 EUR/USD = 0.00581 EUR
    expect(priceMessage(TABLE, sms(US, 'a'.repeat(161)), 'EUR')).toEqual({ cost: 0.00581, parts: 2, currency: 'EUR', country: 'US' });
    // 3 parts × 0.1 × 0.5 = 0.15000000000000002 in floating point, 0.15 once rounded
    expect(priceMessage(TABLE, sms('+2348031234567', 'a'.repeat(307)), 'EUR').cost).toBe(0.15);
  });

  it('refuses a currency the table has no rate for', () => {
    expect(() => priceMessage(TABLE, sms(US, 'hi'), 'GBP')).toThrow('the price table (in USD) has no exchange rate to GBP');
  });
});

describe('destinationCountry', () => {
  it('tells countries that share a calling code apart by the number', () => {
    expect(destinationCountry('+14155550100')).toBe('US');
    expect(destinationCountry('+16045550100')).toBe('CA');
    expect(destinationCountry('+79161234567')).toBe('RU');
    expect(destinationCountry('+77011234567')).toBe('KZ');
  });

  it('answers as libphonenumber does when asked again, for more numbers than it remembers', () => {
    // Canadian and US area codes alternate; each number is asked twice, far apart and right after.
    const numbers = Array.from({ length: 600 }, (_, i) => `+1${i % 2 ? '604' : '415'}555${String(i).padStart(4, '0')}`);
    const expected = numbers.map((n) => parsePhoneNumber(n)?.country);
    expect([...numbers, ...numbers].map((n) => [destinationCountry(n), destinationCountry(n)])).toEqual(
      [...expected, ...expected].map((c) => [c, c]),
    );
    expect(new Set(expected)).toEqual(new Set(['US', 'CA']));
    expect(destinationCountry('+1999')).toBeUndefined();
    expect(destinationCountry('+1999')).toBeUndefined();
  });
});

describe('priceCurrencyIssues', () => {
  it('names each policy in a currency the table cannot price in, with both currencies', () => {
    const policies = [
      { id: 'a', version: '1', currency: 'USD' },
      { id: 'b', version: '2', currency: 'EUR' },
      { id: 'c', version: '3', currency: 'GBP' },
    ];
    expect(priceCurrencyIssues(TABLE, policies)).toEqual([
      'policy c@3 is in GBP but the price table is in USD: give prices.exchangeRates.GBP (GBP per 1 USD) or prices in GBP',
    ]);
  });

  it('prices the documented example with the defaults: 71 Cyrillic characters to Spain under a EUR policy', () => {
    // docs/deploy.md: 2 parts × 0.0718 USD × 0.86 EUR per USD = 0.123496 EUR
    expect(priceMessage(DEFAULT_PRICE_TABLE, sms('+34612345678', 'Ж'.repeat(71)), 'EUR')).toEqual({
      cost: 0.123496,
      parts: 2,
      currency: 'EUR',
      country: 'ES',
    });
  });

  it('prices the embedded policies with the defaults', () => {
    expect(priceCurrencyIssues(DEFAULT_PRICE_TABLE, [{ id: 'telecom-port-out', version: '2', currency: 'EUR' }])).toEqual([]);
  });
});

describe('the prices settings', () => {
  const issues = (input: unknown) => {
    const result = PriceSettingsSchema.safeParse(input);
    return result.success ? [] : toFieldIssues(result.error).map((issue) => `${issue.path}: ${issue.message}`);
  };

  it('are the defaults when absent, and replace a channel or a rate that is given', () => {
    expect(PriceSettingsSchema.parse(undefined)).toEqual(DEFAULT_PRICE_TABLE);
    const table = PriceSettingsSchema.parse({ channels: { email: { default: 0.0002 } }, exchangeRates: { GBP: 0.79 } });
    expect(table.channels).toEqual({ ...DEFAULT_PRICE_TABLE.channels, email: { default: 0.0002, byCountry: {} } });
    expect(table.exchangeRates).toEqual({ ...DEFAULT_PRICE_TABLE.exchangeRates, GBP: 0.79 });
    // Prices replaced: the defaults' date no longer describes the table.
    expect(table.asOf).toBeUndefined();
    expect(PriceSettingsSchema.parse({ exchangeRates: { EUR: 0.9 } }).asOf).toBe(DEFAULT_PRICE_TABLE.asOf);
  });

  it('in another currency, need every channel and keep none of the default rates', () => {
    expect(issues({ currency: 'EUR', channels: { sms: { default: 0.08 } } })).toEqual([
      'channels.email: is required: the default prices are in USD, this table in EUR',
      'channels.push: is required: the default prices are in USD, this table in EUR',
      'channels.whatsapp: is required: the default prices are in USD, this table in EUR',
    ]);
    const euro = { sms: { default: 0.08 }, email: { default: 0.0001 }, push: { default: 0 }, whatsapp: { default: 0.05 } };
    expect(PriceSettingsSchema.parse({ currency: 'EUR', channels: euro }).exchangeRates).toEqual({});
  });

  it('name every field at fault', () => {
    expect(
      issues({
        currency: 'usd',
        channels: { sms: { default: -1, byCountry: { uk: 0.04 } }, fax: { default: 1 } },
        exchangeRates: { EUR: 0 },
      }),
    ).toEqual([
      'currency: must be an ISO 4217 currency code in capitals, e.g. "USD"',
      'channels.sms.default: must be 0 or more',
      'channels.sms.byCountry.uk: must be an ISO 3166-1 alpha-2 country code in capitals, e.g. "GB"',
      'channels: Unrecognized key: "fax"',
      'exchangeRates.EUR: must be a positive rate',
    ]);
  });
});
