import type { SuppressionReason } from '../../../core/suppressions/model';

/*
 * Twilio error codes that say the number itself can never receive (or must not), whether they
 * come in the answer to a send or in a status callback's ErrorCode: the number goes on the
 * tenant's suppression list for that reason, which also marks it on the profiles holding it
 * (suppressions-with-profiles.ts). Meanings from https://www.twilio.com/docs/api/errors:
 *
 * - 21610: the recipient replied STOP (opted out of this sender) -> unsubscribed
 * - 21614: `To` is not a valid mobile number (a landline cannot receive SMS) -> undeliverable
 * - 30005: unknown destination handset (the number does not exist or is no longer in service)
 *   -> undeliverable
 * - 30006: landline or unreachable carrier (the carrier cannot deliver SMS to it) -> undeliverable
 *
 * Not marked, because they describe the moment, not the number: 30003 (handset off or out of
 * coverage), 30007 (carrier filtering: the content or sender, not the number), 30008 (unknown
 * error), 30004 (blocked: may be lifted).
 */
const ADDRESS_CODES: ReadonlyMap<number, SuppressionReason> = new Map([
  [21610, 'unsubscribed'],
  [21614, 'undeliverable'],
  [30005, 'undeliverable'],
  [30006, 'undeliverable'],
]);

/** The suppression a Twilio error code calls for, if it is about the number itself. */
export function twilioSuppression(code: number | undefined): SuppressionReason | undefined {
  return code === undefined ? undefined : ADDRESS_CODES.get(code);
}
