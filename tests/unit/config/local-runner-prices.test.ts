import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_TABLE } from '#shared/domain/default-prices';
import { ValidationError } from '#shared/domain/errors';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { loadPriceTable } from '../../../bin/local-config.ts';

const policies = deploymentPolicies([]);
const fileWith = (content: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'winback-prices-')), 'prices.json');
  writeFileSync(file, content);
  return file;
};
const failure = (run: () => unknown): ValidationError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the price file was accepted');
};

describe('the local runner’s price table', () => {
  it('is the deployment default without a file, and the file’s over the defaults with one', () => {
    expect(loadPriceTable(undefined, policies)).toEqual(DEFAULT_PRICE_TABLE);
    const file = fileWith(JSON.stringify({ channels: { email: { default: 0.0002 } } }));
    expect(loadPriceTable(file, policies).channels.email).toEqual({ default: 0.0002, byCountry: {} });
  });

  it('names the file and each field at fault', () => {
    const file = fileWith(JSON.stringify({ channels: { sms: { default: 'cheap' } } }));
    const error = failure(() => loadPriceTable(file, policies));
    expect(error.message).toBe(`invalid price file ${file}`);
    expect(error.details.map((d) => d.path)).toEqual(['channels.sms.default']);
    expect(failure(() => loadPriceTable(fileWith('{ not json'), policies)).details[0]!.path).toBe('WINBACK_PRICES_FILE');
  });

  it('refuses a table that cannot price the policies’ currency, naming policy and currencies', () => {
    const file = fileWith(
      JSON.stringify({
        exchangeRates: {},
        currency: 'GBP',
        channels: { sms: { default: 0.04 }, email: { default: 0 }, push: { default: 0 }, whatsapp: { default: 0.05 } },
      }),
    );
    const error = failure(() => loadPriceTable(file, policies));
    expect(error.details[0]!.message).toBe(
      'policy telecom-port-out@3 is in EUR but the price table is in GBP: give prices.exchangeRates.EUR (EUR per 1 GBP) or prices in EUR',
    );
  });
});
