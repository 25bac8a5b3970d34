import { type PriceTable, priceTableSchema } from './pricing.ts';

/**
 * The date the default prices below were compiled. They are AWS list prices in US dollars as
 * last known to the author (End User Messaging SMS base price per outbound message part by
 * destination country; SES per e-mail). This machine has no internet access, and the stored copies
 * of public pages it can search hold neither AWS's SMS price list nor its SES pricing page, so
 * the figures were NOT re-read from https://aws.amazon.com/end-user-messaging/pricing/ and
 * https://aws.amazon.com/ses/pricing/ on that date. They are defaults an operator must check
 * against those pages for their markets (and set in `prices`); carrier fees, where a country has
 * them (US 10DLC and toll-free), come on top and are not included.
 */
export const DEFAULT_PRICES_AS_OF = '2026-12-06';

/**
 * One US dollar in euros, for the embedded policies (which are in EUR): a rounded rate as last
 * known to the author on {@link DEFAULT_PRICES_AS_OF}, not read from a reference source. Check it
 * (e.g. against the ECB's euro reference rates) or give prices in the policies' currency.
 */
export const DEFAULT_USD_TO_EUR = 0.86;

/**
 * The default price table: AWS bills in US dollars, so it is in USD, with the rate that converts
 * it into the embedded policies' euros. SMS per part by destination country (a country not listed
 * costs `default`, set high on purpose: most countries cost less); e-mail $0.10 per 1,000; push
 * (no AWS adapter yet) free until an operator prices it. A task notice to a retention team is
 * always free and has no entry.
 */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  currency: 'USD',
  asOf: DEFAULT_PRICES_AS_OF,
  channels: {
    sms: {
      default: 0.1,
      byCountry: {
        US: 0.00581,
        CA: 0.00736,
        GB: 0.0463,
        IE: 0.0715,
        DE: 0.0907,
        FR: 0.0743,
        ES: 0.0718,
        IT: 0.0745,
        NL: 0.1097,
        PL: 0.0269,
        PT: 0.0315,
        BR: 0.0206,
        MX: 0.0229,
        IN: 0.00278,
        UA: 0.0645,
        RU: 0.3013,
      },
    },
    email: { default: 0.0001, byCountry: {} },
    push: { default: 0, byCountry: {} },
    // WhatsApp, per marketing template message: AWS End User Messaging Social's fee ($0.005) plus
    // Meta's marketing rate of the destination's market, as last known to the author (Meta bills
    // per template message since July 2025). Not re-read from Meta's rate card: check it.
    whatsapp: {
      default: 0.0654,
      byCountry: {
        US: 0.03,
        GB: 0.0579,
        DE: 0.1415,
        FR: 0.0909,
        ES: 0.0665,
        IT: 0.0741,
        NL: 0.1647,
        BR: 0.0675,
        MX: 0.0486,
        IN: 0.0157,
        RU: 0.0852,
      },
    },
  },
  exchangeRates: { EUR: DEFAULT_USD_TO_EUR },
};

/** The settings' `prices` (cdk.json, the local runner's `WINBACK_PRICES_FILE`): the operator's table over the defaults. */
export const PriceSettingsSchema = priceTableSchema(DEFAULT_PRICE_TABLE);
