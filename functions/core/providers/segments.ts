/*
 * SMS segment math, as carriers (and Twilio's per-segment rates and prices) count it.
 * GSM-7 (3GPP TS 23.038): 160 septets in one segment, 153 per segment once split (a 7-septet
 * concatenation header); the extension table's characters take two septets and never split.
 * Anything outside GSM-7 sends the whole message as UCS-2: 70 UTF-16 code units, 67 per part,
 * and a surrogate pair (an emoji) is never split across two parts.
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

/** How an SMS text is encoded and how many segments a carrier counts for it. */
export interface SegmentCount {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}

/** GSM-7 septets of `text`, or undefined when a character needs UCS-2. */
function gsm7Septets(text: string): number[] | undefined {
  const septets: number[] = [];
  for (const char of text) {
    if (BASIC.has(char)) septets.push(1);
    else if (EXTENSION.has(char)) septets.push(2);
    else return undefined;
  }
  return septets;
}

/** Packs units (characters, each 1 or 2 wide and indivisible) into parts of `perPart`. */
function pack(widths: number[], perPart: number): number {
  let parts = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > perPart) {
      parts += 1;
      used = 0;
    }
    used += width;
  }
  return parts;
}

/** The segments of one SMS body: what a long code's 1 segment/s is counted in. */
export function smsSegments(text: string): SegmentCount {
  const septets = gsm7Septets(text);
  if (septets) {
    const total = septets.reduce((sum, n) => sum + n, 0);
    return { encoding: 'GSM-7', segments: total <= 160 ? 1 : pack(septets, 153) };
  }
  // UTF-16 code units per character: 2 for a surrogate pair, which stays in one part.
  const units = [...text].map((char) => char.length);
  const total = units.reduce((sum, n) => sum + n, 0);
  return { encoding: 'UCS-2', segments: total <= 70 ? 1 : pack(units, 67) };
}
