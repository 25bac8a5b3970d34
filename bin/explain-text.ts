import { ExitReason } from '#shared/domain/vocabulary';
import type { Explanation, OfferExplained, RenderedText, SegmentChoice, TouchPlan } from '#shared/domain/policy-explain';

/** What messages cost, in the policy's currency, from the deployment's price table. */
export interface PriceList {
  currency: string;
  asOf: string | null;
  smsPerPart: { default: number; byCountry: Record<string, number> };
  emailPerMessage: number;
  /** Every other channel's price per message (WhatsApp, partner push). */
  perMessage: Record<string, number>;
}

/** `npm run policy -- explain` for people: the explanation as indented plain text. */
export function renderExplanation(e: Explanation & { prices?: PriceList }): string {
  const lines: string[] = [];
  const add = (line = '') => lines.push(line);
  add(`${e.policy}${e.description ? ` — ${e.description}` : ''}`);
  add();
  add(`Plans: ${e.churnKinds.join(', ')} churns${appliesTo(e)}.`);
  add(
    `No contact before day ${e.quietDays}; nothing after day ${e.horizonDays}; a return within ${e.conversionWindowDays} days is a win-back.`,
  );
  add(`Currency: ${e.currency}. Day N is the 24 hours from N × 24 h after the churn.`);
  add();
  add('Channels, in order of preference (a customer gets the first with a contact and a valid consent):');
  for (const c of e.channels)
    add(
      `  ${c.channel}: basis ${c.basis}${c.expiresAfterDays ? `, expires ${c.expiresAfterDays} days after the churn or its renewal` : ''}${awsNote(c)}`,
    );
  add(`Languages: ${languagesOf(e).join(', ')} (a customer gets the first of their locale's fallback chain, else ${e.language}).`);
  add();
  add('Local send windows (customer’s time zone; weekdays ISO, 1 = Monday):');
  for (const w of e.sendWindows) add(`  ${w.market}: ${w.window ?? 'none: nobody in this market is contacted'}`);
  const cap = e.frequencyCap;
  add(`Frequency cap: at most ${cap.maxMessages} per ${cap.perHours} h, ${cap.maxPerJourney} per journey.`);
  add();
  add('Excluded (reason: rule):');
  for (const x of e.exclusions) add(`  ${x.reason}: ${x.rule}`);
  add();
  add(`Control group: ${e.holdout.percent}% of eligible customers (salt "${e.holdout.salt}"), planned and recorded, never sent.`);
  add(`Variants: ${e.variants.map((v) => `${v.id} (weight ${v.weight})`).join(', ')}.`);
  add(
    `Tiers (first match): ${e.tiers.map((t) => `${t.name} (≥ ${t.minMonthlyRevenue}/month, ≥ ${t.minTenureMonths} months)`).join(', ')}.`,
  );
  if (e.escalation) {
    const x = e.escalation;
    add();
    add(
      `Escalation: an account with ${x.value} ≥ ${x.threshold} gets a retention task ${x.mode === 'instead' ? 'instead of the touches' : 'before the touches'}, due day ${x.dueAfterDays}; never held out.`,
    );
    for (const r of x.routes) add(`  ${r.accountTypes} → team ${r.team}`);
  }
  add();
  add('Touches (which offer each tier · exit reason · variant gets; the margin cap picks by monthly revenue):');
  for (const touch of e.touches) addTouch(add, touch, e);
  add();
  add(
    `Offers (cost if taken up${e.offerCapPerMonthlyRevenue !== undefined ? `; margin cap ${round(e.offerCapPerMonthlyRevenue)} × monthly revenue` : ''}):`,
  );
  for (const offer of e.offers) addOffer(add, offer, e.currency);
  if (e.prices) addPrices(add, e.prices);
  return lines.join('\n');
}

/** What an AWS deployment does with a channel. */
function awsNote(channel: Explanation['channels'][number]): string {
  if (channel.deployedInAws) return '';
  if (channel.configurableInAws) return ' — in AWS only where the settings configure it (docs/deploy.md)';
  return ' — no adapter in AWS: never planned there';
}

/** The languages the offers are written in: the policy's own, then every translation's. */
function languagesOf(e: Explanation): string[] {
  const translated = e.offers.flatMap((offer) => offer.translations?.map((t) => t.language) ?? []);
  return [`${e.language} (the policy's)`, ...new Set(translated)];
}

function appliesTo(e: Explanation): string {
  const parts = [
    e.appliesTo.markets ? `markets ${e.appliesTo.markets.join(', ')}` : '',
    e.appliesTo.brands ? `brands ${e.appliesTo.brands.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` in ${parts.join(' and ')}` : '';
}

function addTouch(add: (line?: string) => void, touch: TouchPlan, e: Explanation): void {
  add(
    `  Touch ${touch.touch} (${touch.angle}): days ${touch.dayFrom}–${touch.dayTo}${touch.onlyIfNotReturned ? ', only if not returned' : ''}`,
  );
  const groups = new Map<string, SegmentChoice[]>();
  for (const segment of touch.segments) {
    // One offer for the whole segment needs no revenue; several are the margin cap at work.
    const key =
      segment.offers.length === 1
        ? segment.offers[0]!.offerId
        : segment.offers.map((o) => `${o.offerId} from monthly revenue ${o.fromMonthlyRevenue}`).join(', then ') || 'no offer';
    groups.set(key, [...(groups.get(key) ?? []), segment]);
  }
  const all = { tiers: e.tiers.map((t) => t.name), variants: e.variants.map((v) => v.id) };
  for (const [offers, segments] of groups) for (const who of describeSegments(segments, all)) add(`    ${who}: ${offers}`);
}

/**
 * Segments in few words: "every segment", "exit reason price", "tier high · variant A", … A set
 * that is not every combination of its tiers, exit reasons and variants is described per tier,
 * then per exit reason.
 */
function describeSegments(segments: readonly SegmentChoice[], all: { tiers: string[]; variants: string[] }): string[] {
  const distinct = (of: readonly SegmentChoice[], pick: (s: SegmentChoice) => string) => [...new Set(of.map(pick))];
  const product = (of: readonly SegmentChoice[], nameTier: boolean): string | undefined => {
    const tiers = distinct(of, (s) => s.tier);
    const reasons = distinct(of, (s) => s.exitReason);
    const variants = distinct(of, (s) => s.variant);
    if (tiers.length * reasons.length * variants.length !== of.length) return undefined;
    const parts = [
      nameTier || tiers.length < all.tiers.length ? `tier ${tiers.join(', ')}` : '',
      reasons.length < ExitReason.options.length ? `exit reason ${reasons.join(', ')}` : '',
      variants.length < all.variants.length ? `variant ${variants.join(', ')}` : '',
    ].filter(Boolean);
    return parts.join(' · ') || 'every segment';
  };
  const whole = product(segments, false);
  if (whole) return [whole];
  return distinct(segments, (s) => s.tier).flatMap((tier) => {
    const ofTier = segments.filter((s) => s.tier === tier);
    const line = product(ofTier, true);
    if (line) return [line];
    return distinct(ofTier, (s) => s.exitReason).map(
      (reason) =>
        product(
          ofTier.filter((s) => s.exitReason === reason),
          true,
        )!,
    );
  });
}

function addOffer(add: (line?: string) => void, offer: OfferExplained, currency: string): void {
  const cost = [offer.cost > 0 ? `${offer.cost} ${currency}` : '', offer.costMonths > 0 ? `${offer.costMonths} month(s) of revenue` : '']
    .filter(Boolean)
    .join(' + ');
  const made =
    offer.madeByTouches.length > 0 ? `touch ${offer.madeByTouches.join(', ')}` : 'never made: earlier offers take every customer it fits';
  add(`  ${offer.offerId} (${offer.angle}; ${made}): costs ${cost || 'nothing'}`);
  for (const text of offer.texts) add(`    ${describeText(text)}`);
  for (const translation of offer.translations ?? []) {
    add(`    in ${translation.language}:`);
    for (const text of translation.texts) add(`      ${describeText(text)}`);
  }
}
function addPrices(add: (line?: string) => void, prices: PriceList): void {
  add();
  add(`Prices (${prices.currency}${prices.asOf ? `, price table as of ${prices.asOf}` : ''}; texts above are priced at the default):`);
  const countries = Object.entries(prices.smsPerPart.byCountry).map(([country, price]) => `${country} ${price}`);
  add(`  SMS per part: default ${prices.smsPerPart.default}; ${countries.join(', ')}`);
  add(`  e-mail per message: ${prices.emailPerMessage}`);
  for (const [channel, price] of Object.entries(prices.perMessage)) add(`  ${channel} per message: ${price}`);
}

function describeText(text: RenderedText): string {
  const billed = text.channel === 'sms' ? `${text.parts} part${text.parts === 1 ? '' : 's'}` : '1 message';
  const price = text.price ? `, ${text.price.cost} ${text.price.currency} at the default price` : '';
  const subject = text.subject ? `[${text.subject}] ` : '';
  if (text.template)
    return `${text.channel} (${billed}${price}): template ${text.template.name} in ${text.template.language} with ${text.template.parameters.map((p) => `"${p}"`).join(', ') || 'no parameters'}`;
  return `${text.channel} (${billed}${price}): ${subject}${text.text}`;
}

const round = (n: number) => Math.round(n * 100) / 100;
