import parsePhoneNumber from 'libphonenumber-js/min';
import * as z from 'zod';
import { CHANNEL_TABLE, CHANNELS, type Channel, perChannel } from './channels.ts';
import type { TouchChannel } from './journey/record.ts';
import { smsParts } from './sms.ts';

/**
 * What messages cost: one price table per deployment, read from the settings, used by the engine
 * when it sends (each touch records its cost), by the cost estimate, and by anything that shows
 * a message's price before it is sent. A channel is priced per billed unit, which its `measure` in
 * the channel table names: an SMS part (`sms_parts`) or a message (`per_message`). A task notice
 * to a retention team is free.
 */

/** An ISO 4217 currency code. */
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code in capitals, e.g. "USD"');
const CountryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code in capitals, e.g. "GB"');
const Amount = z.number().nonnegative('must be 0 or more').finite('must be a finite amount');

/** The price of one billed unit on a channel, by the destination's country where the contact is a phone number. */
export const ChannelPriceSchema = z.strictObject({
  /** The price for a country not listed in `byCountry` (and for every message of a channel whose contact is no phone number). */
  default: Amount,
  /** The price by ISO 3166-1 alpha-2 country of the destination phone number. @default {} */
  byCountry: z.record(CountryCode, Amount).default({}),
});
export type ChannelPrice = z.output<typeof ChannelPriceSchema>;

/** A price table as written in the settings: every key optional, the rest from the defaults. */
export const PriceTableInput = z.strictObject({
  /** The currency every price of the table is in. */
  currency: CurrencyCode.optional(),
  /** When the prices were read from the provider's pricing pages (YYYY-MM-DD). */
  asOf: z.iso.date('must be a date, YYYY-MM-DD').optional(),
  /** Price per billed unit, per channel of the channel table. */
  channels: z.strictObject(perChannel(() => ChannelPriceSchema.optional())).optional(),
  /**
   * For a policy in another currency: how many units of that currency one unit of the table's
   * currency buys, e.g. `{ "EUR": 0.86 }` with a table in USD. A message is priced in its
   * policy's currency, so that message cost, offer cost and cost per acquisition add up.
   */
  exchangeRates: z.record(CurrencyCode, z.number().positive('must be a positive rate').finite('must be a finite rate')).optional(),
});
export type PriceTableInput = z.input<typeof PriceTableInput>;

/** A complete price table: what the engine prices with. */
export interface PriceTable {
  currency: string;
  asOf?: string | undefined;
  channels: Record<Channel, ChannelPrice>;
  exchangeRates: Record<string, number>;
}

/**
 * The settings' `prices` over `defaults`. A channel given replaces that channel's default whole;
 * a rate given replaces that currency's. In another currency than the defaults' none of them
 * applies, so every channel must then be given (an issue names each one missing).
 */
export function priceTableSchema(defaults: PriceTable) {
  return PriceTableInput.default({}).transform((input, ctx): PriceTable => {
    const currency = input.currency ?? defaults.currency;
    const sameCurrency = currency === defaults.currency;
    const channels: Partial<Record<Channel, ChannelPrice>> = {};
    for (const channel of CHANNELS) {
      const price = input.channels?.[channel] ?? (sameCurrency ? defaults.channels[channel] : undefined);
      if (price) channels[channel] = price;
      else
        ctx.addIssue({
          code: 'custom',
          path: ['channels', channel],
          message: `is required: the default prices are in ${defaults.currency}, this table in ${currency}`,
        });
    }
    const exchangeRates = { ...(sameCurrency ? defaults.exchangeRates : {}), ...input.exchangeRates };
    delete exchangeRates[currency];
    // The defaults' date describes the table only while no price of it was replaced.
    const asOf = input.asOf ?? (sameCurrency && input.channels === undefined ? defaults.asOf : undefined);
    return {
      currency,
      ...(asOf !== undefined ? { asOf } : {}),
      channels: channels as Record<Channel, ChannelPrice>,
      exchangeRates,
    };
  });
}

/** What one message costs: in `currency`, for `parts` billed units (SMS parts; 1 for any other message). */
export interface MessagePrice {
  cost: number;
  parts: number;
  currency: string;
  /** The destination's country (ISO 3166-1 alpha-2) where the contact is a phone number and its country is known. */
  country?: string;
}

/** What {@link priceMessage} reads of a message. */
export interface PricedMessage {
  channel: TouchChannel;
  to: string;
  text: string;
}

/**
 * The country of an E.164 number (ISO 3166-1 alpha-2), by libphonenumber's metadata: the calling
 * code, and for a code shared by several countries (+1, +7, +44, …) the number's range.
 * Undefined for a number it cannot place (not a number, or an unassigned range).
 */
export function destinationCountry(e164: string): string | undefined {
  if (recentCountries.has(e164)) return recentCountries.get(e164);
  const country = parsePhoneNumber(e164)?.country;
  if (recentCountries.size >= RECENT_COUNTRIES) recentCountries.clear();
  recentCountries.set(e164, country);
  return country;
}

/**
 * The countries of the numbers priced last: libphonenumber takes tens of microseconds to place a
 * number, and a customer's touches go to the same number one after another (the simulator runs
 * each customer's whole journey at once). A few, so the cache stays small in a long-lived process.
 */
const RECENT_COUNTRIES = 256;
const recentCountries = new Map<string, string | undefined>();

/** Rounds a cost to 6 decimals (micro-units), as the KPI tables do with sums. */
const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * The price of a message when it is sent: `cost = round6(parts × unit price × rate)`, where the
 * unit price is the channel's price for the destination's country (its `default` otherwise), and
 * `rate` converts the table's currency into `currency` (1 when they are the same). A task notice
 * costs 0. Throws when the table has no rate for `currency`: a deployment checks that at start
 * ({@link priceCurrencyIssues}), so a policy in another currency never reaches this.
 */
export function priceMessage(table: PriceTable, message: PricedMessage, currency: string = table.currency): MessagePrice {
  const rate = currency === table.currency ? 1 : table.exchangeRates[currency];
  if (rate === undefined) throw new Error(`the price table (in ${table.currency}) has no exchange rate to ${currency}`);
  if (message.channel === 'task') return { cost: 0, parts: 1, currency };
  const spec = CHANNEL_TABLE[message.channel];
  const parts = spec.measure === 'sms_parts' ? smsParts(message.text) : 1;
  const country = spec.contactFormat === 'e164' ? destinationCountry(message.to) : undefined;
  const price = table.channels[message.channel];
  const unit = (country !== undefined ? price.byCountry[country] : undefined) ?? price.default;
  return { cost: round6(parts * unit * rate), parts, currency, ...(country !== undefined ? { country } : {}) };
}

/** What {@link priceCurrencyIssues} reads of a policy. */
export interface PolicyCurrency {
  id: string;
  version: string;
  currency: string;
}

/**
 * The policies whose currency the table cannot price in (neither its currency nor one it has a
 * rate for), each named with both currencies and the fix. Empty when every policy is priceable.
 */
export function priceCurrencyIssues(table: PriceTable, policies: readonly PolicyCurrency[]): string[] {
  return policies
    .filter((policy) => policy.currency !== table.currency && table.exchangeRates[policy.currency] === undefined)
    .map(
      (policy) =>
        `policy ${policy.id}@${policy.version} is in ${policy.currency} but the price table is in ${table.currency}: ` +
        `give prices.exchangeRates.${policy.currency} (${policy.currency} per 1 ${table.currency}) or prices in ${policy.currency}`,
    );
}
