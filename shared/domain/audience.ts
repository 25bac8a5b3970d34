import { createHash } from 'node:crypto';
import { consentClock } from './journey/consent.ts';
import type { CustomerRecord } from './journey/record.ts';
import { horizonEndMs } from './policy.ts';
import type { PolicyRegistry } from './policy-registry.ts';
import { usableChannels } from './targeting.ts';

/**
 * The hashed audience for the ad platforms' customer-match uploads: the customers Winback is
 * still trying to win back but can no longer message, because no channel reaches them with
 * consent. Pure: the nightly job decides per stored record, and writes the rows as files.
 */

/** Every audience file lives under this lake prefix (the nightly function may write and clear it). */
export const AUDIENCES_PREFIX = 'audiences/';
/** Google Ads Customer Match files, one `dt=YYYY-MM-DD/` partition per night. */
export const CUSTOMER_MATCH_PREFIX = `${AUDIENCES_PREFIX}customer-match/`;

/** One customer in the audience: SHA-256 (lowercase hex) of their normalized contacts, never a contact itself. */
export interface AudienceRow {
  hashed_email?: string;
  hashed_phone?: string;
}

const GOOGLE_MAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * An e-mail address as Google normalizes it before hashing (Data Manager API, "Format user
 * data", developers.google.com/data-manager/api/devguides/concepts/formatting — the API that
 * uploads Customer Match audience members): whitespace removed (leading, trailing and in
 * between), lowercase; for gmail.com and googlemail.com only, every `.` of the local part
 * removed and a `+` with all that follows it dropped (`cloudy.sanfrancisco+shopping@gmail.com`
 * → `cloudysanfrancisco@gmail.com`); other domains keep their dots and plus signs. Gmail
 * delivers every such variant to the same mailbox, the one the Google account is matched on.
 */
export function normalizeEmail(email: string): string {
  const address = email.replace(/\s+/gu, '').toLowerCase();
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = address.slice(at + 1);
  if (!GOOGLE_MAIL_DOMAINS.has(domain)) return address;
  const local = address.slice(0, at).split('+')[0]!.replaceAll('.', '');
  return `${local}@${domain}`;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * A phone number in E.164 as Google hashes it (same source as {@link normalizeEmail}): the plus
 * sign, the country code, and only digits after the plus. Spaces, dashes, dots and brackets
 * are dropped (`+44 7700 900-123` → `+447700900123`); a number without its `+` and country code
 * cannot be completed here and gives undefined, so it is left out rather than hashed wrong.
 */
export function normalizePhone(e164: string): string | undefined {
  const compact = e164.replace(/[\s\-.()]/gu, '');
  return E164.test(compact) ? compact : undefined;
}

/** SHA-256 of the UTF-8 bytes, as 64 lowercase hex digits (what Customer Match accepts). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * The customer's audience row, if they belong in tonight's audience: zero or one row.
 *
 * In the audience: a customer whose current (latest) journey is still running — active, not
 * won back or returned, not ineligible, not past the policy's horizon (what the customer view
 * and the KPI facts call `ended`), in the treatment arm — whom no channel reaches right now.
 * "Reaches" is the engine's own rule (`usableChannels` with the journey's policy version and
 * the same consent clock `decideSend` uses), so the audience holds exactly the customers the
 * engine would not message. The control group stays out: the holdout gets no marketing from
 * Winback, or the lift it measures would include the ads.
 *
 * Only the hashes of the normalized e-mail and phone go out; a customer with neither gives no
 * row. An erased customer has no record, so is never exported.
 */
export function audienceRows(record: CustomerRecord, nowMs: number, policies: PolicyRegistry): AudienceRow[] {
  const journey = record.journeys.at(-1);
  const profile = record.profile;
  if (journey?.status !== 'active' || journey.arm !== 'treatment' || !profile) return [];
  const policy = policies.get(journey.policyId, journey.policyVersion);
  const churnedAtMs = Date.parse(journey.churnedAt);
  if (nowMs >= horizonEndMs(policy, churnedAtMs)) return [];
  // The same consent clock `decideSend` judges this journey by, so the two cannot disagree.
  if (usableChannels(profile, policy, consentClock(record, journey.churnedAt, nowMs)).length > 0) return [];

  const email = profile.contacts.email === undefined ? undefined : normalizeEmail(profile.contacts.email);
  const phone = profile.contacts.phone === undefined ? undefined : normalizePhone(profile.contacts.phone);
  const row: AudienceRow = {
    ...(email ? { hashed_email: sha256Hex(email) } : {}),
    ...(phone ? { hashed_phone: sha256Hex(phone) } : {}),
  };
  return row.hashed_email || row.hashed_phone ? [row] : [];
}
