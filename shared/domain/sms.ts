// GSM 03.38 basic set (one septet each) and its extension table (two septets each).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';

/**
 * The septets of each UTF-16 code unit in GSM-7: 1 in the basic set, 2 in the extension table, 0
 * for any other (the text then goes as UCS-2). Every GSM-7 character is one code unit, so a
 * character outside the Basic Multilingual Plane (two units, each 0) is never GSM-7.
 */
const SEPTETS = new Uint8Array(65_536);
for (const c of GSM_BASIC) SEPTETS[c.charCodeAt(0)] = 1;
for (const c of GSM_EXTENDED) SEPTETS[c.charCodeAt(0)] = 2;

/**
 * The billed parts of an SMS: GSM-7 text fits 160 septets in one part and 153 per part when
 * split; anything else is UCS-2, 70 characters in one part and 67 per part when split. Every
 * part is billed as one message, so a text one character too long costs twice as much.
 */
export function smsParts(text: string): number {
  // One pass over the code units, stopping at the first that GSM-7 cannot encode.
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = SEPTETS[text.charCodeAt(i)]!;
    if (unit === 0) return ucs2Parts(text);
    septets += unit;
  }
  return septets <= 160 ? 1 : Math.ceil(septets / 153);
}

function ucs2Parts(text: string): number {
  const units = text.length; // UTF-16 code units: what UCS-2 encodes
  return units <= 70 ? 1 : Math.ceil(units / 67);
}
