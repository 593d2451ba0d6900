/**
 * The statusCallback URL Herald gives Twilio with every message: the API's public route plus the
 * delivery's ids, so a callback maps to its delivery without a lookup. Twilio signs the exact URL
 * it calls, so the api function rebuilds it with this same function to check the signature.
 */
export function twilioStatusCallbackUrl(
  base: string,
  ids: { notificationId: string; deliveryId: string; tenantId: string },
): string {
  const query = new URLSearchParams({ n: ids.notificationId, d: ids.deliveryId, t: ids.tenantId });
  return `${base}?${query.toString()}`;
}

/** Path of the callback route on the API. */
export const TWILIO_STATUS_PATH = '/v1/providers/twilio/status';

/** A status callback's form as Twilio signed it, and as the report reads it. */
export interface TwilioCallbackForm {
  /**
   * Every value of every key: a repeated key is an array, which the twilio package's
   * validateRequest signs value by value (sorted), as Twilio does. Keeping only one value would
   * fail the check for a genuine callback.
   */
  signed: Record<string, string | string[]>;
  /** One value per key (the last, as URLSearchParams-to-object gives) for reading the report. */
  fields: Record<string, string>;
}

/**
 * Parses an `application/x-www-form-urlencoded` callback body. Built through a Map and
 * Object.fromEntries, so a key such as `__proto__` is an ordinary own property.
 */
export function parseTwilioCallbackForm(body: string): TwilioCallbackForm {
  const values = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(body)) {
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  const entries = [...values];
  return {
    signed: Object.fromEntries(entries.map(([k, v]) => [k, v.length === 1 ? (v[0] as string) : v])),
    fields: Object.fromEntries(entries.map(([k, v]) => [k, v.at(-1) as string])),
  };
}
