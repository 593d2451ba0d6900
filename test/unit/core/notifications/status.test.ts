import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../../../functions/core/delivery/deliver';
import { aggregateStatus, canTransition } from '../../../../functions/core/notifications/status';
import { maskRecipient } from '../../../../functions/core/shared/mask';

describe('status › canTransition', () => {
  it.each([
    ['queued', 'sending'],
    ['scheduled', 'queued'],
    ['scheduled', 'cancelled'],
    ['queued', 'cancelled'],
    ['sending', 'delivered'],
    ['sending', 'failed'],
    ['sending', 'sending'],
    ['sending', 'sent'],
    ['sent', 'delivered'],
    ['sent', 'undelivered'],
    ['delivered', 'complained'],
    ['failed', 'queued'],
  ] as const)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['delivered', 'sending'],
    ['delivered', 'failed'],
    ['cancelled', 'sending'],
    ['sent', 'sending'],
    ['bounced', 'delivered'],
    ['delivered', 'sent'],
    ['sending', 'queued'],
    ['queued', 'scheduled'],
  ] as const)('never moves backwards: %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });
});

describe('status › aggregateStatus', () => {
  it('says sent, not delivered, while some accepted deliveries are unconfirmed', () => {
    expect(aggregateStatus(['sent', 'delivered'])).toBe('sent');
    expect(aggregateStatus(['delivered', 'cancelled'])).toBe('delivered');
    expect(aggregateStatus(['bounced', 'suppressed'])).toBe('failed');
    expect(aggregateStatus(['sent', 'undelivered'])).toBe('partially_failed');
  });

  it('is in progress while any delivery is not final', () => {
    expect(aggregateStatus(['delivered', 'sending'])).toBe('in_progress');
    expect(aggregateStatus(['queued'])).toBe('in_progress');
  });
  it('is scheduled while every delivery waits for its time', () => {
    expect(aggregateStatus(['scheduled', 'scheduled'])).toBe('scheduled');
  });
  it('tells delivered, failed and partially failed apart', () => {
    expect(aggregateStatus(['delivered', 'delivered'])).toBe('delivered');
    expect(aggregateStatus(['failed', 'failed'])).toBe('failed');
    expect(aggregateStatus(['delivered', 'failed'])).toBe('partially_failed');
  });
  it('is cancelled only when everything was cancelled', () => {
    expect(aggregateStatus(['cancelled', 'cancelled'])).toBe('cancelled');
    expect(aggregateStatus(['cancelled', 'delivered'])).toBe('delivered');
  });
});

describe('deliver › retryDelaySeconds', () => {
  it('doubles from the base per receive and stops at the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 30, 900))).toEqual([30, 60, 120, 240]);
    expect(retryDelaySeconds(10, 30, 900)).toBe(900);
  });
  it('waits at least as long as the provider asked (Retry-After)', () => {
    expect(retryDelaySeconds(1, 1, 900, 17)).toBe(17);
    expect(retryDelaySeconds(1, 1, 10, 60)).toBe(10);
  });
});

describe('mask › maskRecipient', () => {
  it('hides personal recipients but keeps them recognisable', () => {
    expect(maskRecipient('email', 'jane.doe@example.com')).toBe('j***@example.com');
    expect(maskRecipient('sms', '+14155550123')).toBe('+141******23');
    expect(maskRecipient('push', 'abcdefghijklmnopqrstuvwxyz')).toBe('abcdef…wxyz');
  });
  it('keeps places (Slack channels, MQTT topics) readable', () => {
    expect(maskRecipient('slack', '#alerts')).toBe('#alerts');
    expect(maskRecipient('mqtt', 'herald/devices/42')).toBe('herald/devices/42');
  });
});
