import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_TABLE, DEFAULT_PRICES_AS_OF, DEFAULT_USD_TO_EUR } from '#shared/domain/default-prices';

/** docs/deploy.md's "Message prices" section, up to the next heading. */
const section = (() => {
  const page = readFileSync(new URL('../../../docs/deploy.md', import.meta.url), 'utf8');
  const start = page.indexOf('### Message prices');
  return page.slice(start, page.indexOf('\n### ', start + 1));
})();

describe('the default prices in docs/deploy.md', () => {
  it('list every SMS price of the default table, and the default for other countries', () => {
    // Rows hold two destinations each: | US | 0.00581 | NL | 0.1097 |
    const documented: Record<string, number> = {};
    for (const [, country, price] of section.matchAll(/\|\s*([A-Z]{2}|any other)\s*\|\s*([\d.]+)\s*/g))
      documented[country!] = Number(price);
    const { default: otherwise, byCountry } = DEFAULT_PRICE_TABLE.channels.sms;
    expect(documented).toEqual({ ...byCountry, 'any other': otherwise });
  });

  it('state their date, the e-mail price and the exchange rate', () => {
    expect(section).toContain(`as last known on ${DEFAULT_PRICES_AS_OF}`);
    expect(DEFAULT_PRICE_TABLE.channels.email.default * 1000).toBeCloseTo(0.1, 12);
    expect(section).toContain('E-mail: $0.10 per 1,000 ($0.0001 each)');
    expect(section).toContain(`1 USD = ${DEFAULT_USD_TO_EUR} EUR`);
    expect(DEFAULT_PRICE_TABLE.exchangeRates).toEqual({ EUR: DEFAULT_USD_TO_EUR });
  });
});
