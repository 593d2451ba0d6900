/*
 * Queue message bodies as JSON that no SQS can refuse. SQS accepts the XML 1.0 characters
 * (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF), but emulators differ (the local one
 * refuses everything above U+FFFF, an emoji in a Slack channel or an MQTT topic): written as `\u`
 * escapes, every character outside ASCII travels as plain ASCII, and JSON.parse reads the escapes
 * back, so readers need no change and messages queued before still read the same.
 *
 * Size: an escape is 6 bytes where UTF-8 takes 1-3 per UTF-16 unit (a pair, 4 bytes, becomes 12),
 * so a body grows at most threefold. Delivery messages carry ids and one recipient (at most 512
 * characters, a push token): about 3 KiB escaped, far below SQS's 256 KiB; webhook messages carry
 * one event, whose free text (metadata, 20 x 320 characters) stays under 40 KiB escaped.
 */

const NON_ASCII = /[\u0080-\uffff]/g;

const unicodeEscape = (unit: string): string =>
  `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `JSON.stringify(value)` with every non-ASCII UTF-16 unit as a `\u` escape: pure ASCII. */
export function asciiJson(value: unknown): string {
  // Non-ASCII can only appear inside JSON strings (keys or values), where an escape means the same.
  return (JSON.stringify(value) ?? 'null').replace(NON_ASCII, unicodeEscape);
}
