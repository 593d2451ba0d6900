import { describe, expect, it } from 'vitest';
import { deliverRecord } from '../../../functions/core/delivery/deliver';
import type { Channel, DeliveryMessage } from '../../../functions/core/notifications/model';
import { createFcmPushSource } from '../../../functions/runtime/providers/fcm-push-source';
import { createSlackSource } from '../../../functions/runtime/providers/slack-source';
import type { ProviderSource } from '../../../functions/runtime/providers/source';
import { createTwilioSource } from '../../../functions/runtime/providers/twilio-source';
import { PLACEHOLDERS, type Provider } from '../../../lib/constructs/provider-secrets';
import { InMemoryRepository } from '../core/fakes';

const NOW = Date.parse('2026-12-01T12:00:00Z');

/** Each secret-backed channel with the secret exactly as the stack creates it. */
const cases: [Channel, Provider, string, (readSecret: () => Promise<unknown>) => ProviderSource][] =
  [
    ['sms', 'twilio', 'Twilio', (readSecret) => createTwilioSource('sms', env, { readSecret })],
    [
      'whatsapp',
      'twilio',
      'Twilio',
      (readSecret) => createTwilioSource('whatsapp', env, { readSecret }),
    ],
    ['slack', 'slack', 'Slack', (readSecret) => createSlackSource(env, { readSecret })],
    ['push', 'fcm', 'FCM', (readSecret) => createFcmPushSource(env, { readSecret })],
  ];
const env = {
  TWILIO_SECRET_ID: 'twilio-secret',
  SLACK_SECRET_ID: 'slack-secret',
  FCM_SECRET_ID: 'fcm-secret',
};

describe('a provider secret that still holds the stack placeholder', () => {
  it.each(cases)(
    '%s (%s secret): the delivery fails on its first attempt, not retried',
    async (channel, provider, vendor, source) => {
      const store = new InMemoryRepository();
      const recipient =
        channel === 'slack' ? '#ops' : channel === 'push' ? 'token-1' : '+14155550001';
      await store.create(
        {
          id: 'n1',
          tenantId: 'acme',
          createdAt: new Date(NOW).toISOString(),
          priority: 'normal',
          content: { [channel]: channel === 'push' ? { title: 't', body: 'b' } : { text: 'hi' } },
          deliveryCount: 1,
        },
        [
          {
            notificationId: 'n1',
            deliveryId: `${channel}#0`,
            channel,
            recipient,
            status: 'queued',
            attempts: 0,
            createdAt: new Date(NOW).toISOString(),
            updatedAt: new Date(NOW).toISOString(),
          },
        ],
      );
      const placeholder = { ...PLACEHOLDERS[provider] };
      const providerSource = source(async () => placeholder);
      const message: DeliveryMessage = {
        v: 1,
        notificationId: 'n1',
        deliveryId: `${channel}#0`,
        channel,
        recipient,
      };

      const outcome = await deliverRecord(
        {
          channel,
          store,
          provider: () => providerSource.get(),
          maxReceiveCount: 5,
          retryBaseSeconds: 30,
          retryMaxSeconds: 900,
          leaseMs: 60_000,
          now: () => NOW,
        },
        { message, receiveCount: 1 },
      );

      // Not `retry`: retrying cannot fill the secret, and the DLQ is for outages.
      expect(outcome.outcome).toBe('failed');
      expect(store.delivery('n1', `${channel}#0`)).toMatchObject({
        status: 'failed',
        lastError: expect.stringContaining(`${vendor} secret not configured`),
      });
    },
  );
});
