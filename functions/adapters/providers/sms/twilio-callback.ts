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
