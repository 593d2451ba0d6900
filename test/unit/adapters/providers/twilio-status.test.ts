import { describe, expect, it } from 'vitest';
import { twilioStatusReport } from '../../../../functions/adapters/providers/sms/twilio-status';

const ids = { notificationId: 'n-1', deliveryId: 'sms#0', tenantId: 'acme' };
const report = (MessageStatus: string, ErrorCode?: string) =>
  twilioStatusReport({ MessageStatus, ...(ErrorCode && { ErrorCode }) }, ids, 0);

describe('Twilio status callback -> report', () => {
  it.each([
    ['undelivered', '30005', 'undeliverable'],
    ['undelivered', '30006', 'undeliverable'],
    ['failed', '21614', 'undeliverable'],
    ['failed', '21610', 'unsubscribed'],
  ])('%s %s puts the number on the suppression list (%s)', (status, code, reason) => {
    expect(report(status, code)).toMatchObject({
      status,
      suppress: reason,
      source: `twilio:${status}:${code}`,
    });
  });

  it.each([
    ['undelivered', '30003'],
    ['undelivered', '30007'],
    ['undelivered', '30008'],
    ['failed', undefined],
  ])('%s %s is about this message only: nothing is suppressed', (status, code) => {
    const r = report(status, code);
    expect(r).toMatchObject({ status });
    expect(r?.suppress).toBeUndefined();
  });
});
