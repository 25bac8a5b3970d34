/**
 * Opt-out keywords carriers and regulators expect an SMS program to honour (CTIA, and the French
 * ARRET / STOP), matched as the whole message, case and punctuation aside.
 */
export const OPT_OUT_KEYWORDS = [
  'STOP',
  'STOPALL',
  'ARRET',
  'CANCEL',
  'END',
  'OPT-OUT',
  'OPTOUT',
  'QUIT',
  'REMOVE',
  'TD',
  'UNSUBSCRIBE',
  'REVOKE',
] as const;

/** Plain-language refusals: "stop texting me", "please don't message me again", "remove me from your list". */
const PLAIN_LANGUAGE = [
  /\b(stop|quit|cease)\s+(texting|messaging|sending|contacting|writing|calling)\b/,
  /\b(don'?t|do not|never)\s+(text|message|contact|sms|send|write|call)\b/,
  /\bno\s+more\s+(texts?|messages?|sms)\b/,
  /\b(remove|unsubscribe|take)\s+me\b/,
  /\bleave\s+me\s+alone\b/,
  /\bopt\s*(me\s+)?out\b/,
];

/**
 * True when an inbound reply asks to stop: a keyword as the whole message ("STOP", "Stop.",
 * "arrêt"), or a plain-language refusal. When unsure it says yes: a missed opt-out breaks the
 * law, a wrong one only loses a message.
 */
export function isOptOut(text: string): boolean {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').trim();
  const keyword = folded.toUpperCase().replace(/[^A-Z-]/g, '');
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(keyword)) return true;
  const sentence = folded.toLowerCase().replace(/[’`]/g, "'");
  return PLAIN_LANGUAGE.some((pattern) => pattern.test(sentence));
}
