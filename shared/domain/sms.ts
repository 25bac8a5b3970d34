// GSM 03.38 basic set (one septet each) and its extension table (two septets each).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

/**
 * The billed parts of an SMS: GSM-7 text fits 160 septets in one part and 153 per part when
 * split; anything else is UCS-2, 70 characters in one part and 67 per part when split. Every
 * part is billed as one message, so a text one character too long costs twice as much.
 */
export function smsParts(text: string): number {
  // One pass over the characters (code points), stopping at the first that GSM-7 cannot encode.
  let septets = 0;
  for (const c of text) {
    if (GSM_EXTENDED.has(c)) septets += 2;
    else if (GSM_BASIC.has(c)) septets += 1;
    else return ucs2Parts(text);
  }
  return septets <= 160 ? 1 : Math.ceil(septets / 153);
}

function ucs2Parts(text: string): number {
  const units = text.length; // UTF-16 code units: what UCS-2 encodes
  return units <= 70 ? 1 : Math.ceil(units / 67);
}
