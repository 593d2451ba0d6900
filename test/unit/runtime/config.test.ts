import { describe, expect, it } from 'vitest';
import { LEASE_SECONDS } from '../../../functions/core/notifications/model';
import {
  ConfigurationError,
  loadApiConfig,
  loadChannelConfig,
  loadTableName,
} from '../../../functions/runtime/config';

const base = { TABLE_NAME: 'herald', QUEUE_URL_SMS: 'https://sqs.example/1/sms' };

describe('configuration from env', () => {
  it('applies the documented defaults', () => {
    expect(loadApiConfig(base)).toMatchObject({
      tableName: 'herald',
      retentionDays: 90,
      maxBodyBytes: 524288,
      messageDelayHorizonSeconds: 900,
      queues: { sms: { normal: 'https://sqs.example/1/sms' } },
    });
    expect(loadChannelConfig('sms', base)).toMatchObject({
      maxReceiveCount: 5,
      retryBaseSeconds: 30,
      leaseMs: LEASE_SECONDS * 1000,
    });
  });

  it('reads numbers from their strings', () => {
    const config = loadChannelConfig('sms', {
      ...base,
      RETRY_BASE_SECONDS: '1',
      LEASE_SECONDS: '30',
    });
    expect(config).toMatchObject({ retryBaseSeconds: 1, leaseMs: 30_000 });
  });

  it.each([
    [{ QUEUE_URL_SMS: 'u' }, /TABLE_NAME is required/],
    [{ ...base, TABLE_NAME: '' }, /TABLE_NAME/],
    [{ ...base, MESSAGE_DELAY_HORIZON_SECONDS: '901' }, /MESSAGE_DELAY_HORIZON_SECONDS/],
    [{ ...base, MAX_BODY_BYTES: '-1' }, /MAX_BODY_BYTES/],
    [{ ...base, DATA_RETENTION_DAYS: 'ten' }, /DATA_RETENTION_DAYS/],
    [{ TABLE_NAME: 'herald' }, /no QUEUE_URL_<CHANNEL> is set/],
  ])('names the bad setting in %o', (env, message) => {
    expect(() => loadApiConfig(env)).toThrow(ConfigurationError);
    expect(() => loadApiConfig(env)).toThrow(message);
  });

  it('refuses a lease shorter than one whole attempt', () => {
    expect(() => loadChannelConfig('sms', { ...base, LEASE_SECONDS: '5' })).toThrow(
      /LEASE_SECONDS: must be at least/,
    );
  });

  it('fails a channel function without its own queue, and the authorizer without a table', () => {
    expect(() => loadChannelConfig('email', base)).toThrow('QUEUE_URL_EMAIL is not set');
    expect(() => loadTableName({})).toThrow('TABLE_NAME is required');
  });
});
