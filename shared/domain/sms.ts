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
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENDED.has(c));
  if (gsm) {
    const septets = chars.reduce((sum, c) => sum + (GSM_EXTENDED.has(c) ? 2 : 1), 0);
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }
  const units = text.length; // UTF-16 code units: what UCS-2 encodes
  return units <= 70 ? 1 : Math.ceil(units / 67);
}
