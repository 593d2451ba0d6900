import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelTuning, HeraldConfigError, parseHeraldConfig } from '../../lib/config';
import { FULL_CONFIG } from './fixture';

const MINIMAL = {
  stage: 'dev',
  senderAddress: 'notifications@example.com',
  enabledChannels: ['email'],
};

/** The HeraldConfigError issues for a raw block; fails when it parses. */
function issuesOf(raw: unknown): readonly string[] {
  try {
    parseHeraldConfig(raw);
  } catch (error) {
    if (error instanceof HeraldConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseHeraldConfig', () => {
  it('fills defaults for a minimal block', () => {
    expect(parseHeraldConfig(MINIMAL)).toMatchObject({
      mqttTopicPrefix: 'herald/',
      logRetentionDays: 30,
      dataRetentionDays: 90,
      tableRemovalPolicy: 'retain',
      channels: {},
      api: {
        throttleRateLimit: 50,
        throttleBurstLimit: 100,
        requireUsagePlan: false,
        authorizerCacheSeconds: 0,
        cloudWatchRole: true,
      },
      scheduling: { maxDays: 365 },
      sesSandbox: false,
      tracing: true,
      alarms: {
        oldestMessageAgeSeconds: 1800,
        highOldestMessageAgeSeconds: 300,
        apiP99LatencyMs: 3000,
        deliveryFailureRatePercent: 10,
        senderThrottlesPerFiveMinutes: 1,
      },
    });
  });

  it('accepts the full example and applies channel overrides over the defaults', () => {
    const config = parseHeraldConfig(FULL_CONFIG);
    expect(channelTuning(config, 'push')).toEqual({
      maxConcurrency: 100,
      highMaxConcurrency: 5,
      batchSize: 10,
      sendConcurrency: 10,
    });
    expect(channelTuning(config, 'slack').maxConcurrency).toBe(2);
    // The high lane defaults to the minimum Lambda allows for an SQS event source.
    expect(channelTuning(config, 'slack').highMaxConcurrency).toBe(2);
  });

  it('accepts the herald block shipped in cdk.json', () => {
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8'));
    expect(parseHeraldConfig(cdkJson.context.herald).stage).toBe('dev');
  });

  it('rejects a missing block', () => {
    expect(() => parseHeraldConfig(undefined)).toThrow('context "herald" is missing');
  });

  it.each([
    [{ ...MINIMAL, stage: 'Prod!' }, 'herald.stage'],
    [{ ...MINIMAL, senderAddress: 'not-an-address' }, 'herald.senderAddress'],
    [{ ...MINIMAL, enabledChannels: ['email', 'fax'] }, 'herald.enabledChannels.1'],
    [{ ...MINIMAL, enabledChannels: [] }, 'herald.enabledChannels'],
    [{ ...MINIMAL, enabledChannels: ['sms', 'sms'] }, 'herald.enabledChannels'],
    [{ ...MINIMAL, logRetentionDays: 31 }, 'herald.logRetentionDays'],
    [{ ...MINIMAL, dataRetentionDays: 0 }, 'herald.dataRetentionDays'],
    [{ ...MINIMAL, mqttTopicPrefix: 'devices/#' }, 'herald.mqttTopicPrefix'],
    [
      { ...MINIMAL, channels: { email: { maxConcurrency: 1 } } },
      'herald.channels.email.maxConcurrency',
    ],
    [
      { ...MINIMAL, channels: { email: { highMaxConcurrency: 1 } } },
      'herald.channels.email.highMaxConcurrency',
    ],
    [{ ...MINIMAL, channels: { email: { batchSize: 11 } } }, 'herald.channels.email.batchSize'],
    [{ ...MINIMAL, channels: { sms: { batchSize: 5 } } }, 'herald.channels.sms'],
    [{ ...MINIMAL, api: { throttleRateLimit: -1 } }, 'herald.api.throttleRateLimit'],
    [{ ...MINIMAL, api: { authorizerCacheSeconds: 7200 } }, 'herald.api.authorizerCacheSeconds'],
    [{ ...MINIMAL, alarmEmail: 'nope' }, 'herald.alarmEmail'],
    [{ ...MINIMAL, alarmTopicArn: 'ops-pager' }, 'herald.alarmTopicArn'],
    [
      {
        ...MINIMAL,
        alarmEmail: 'oncall@example.com',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      },
      'herald.alarmTopicArn',
    ],
    [{ ...MINIMAL, sesSandbox: 'yes' }, 'herald.sesSandbox'],
    [{ ...MINIMAL, tracing: 'off' }, 'herald.tracing'],
    [{ ...MINIMAL, api: { cloudWatchRole: 'no' } }, 'herald.api.cloudWatchRole'],
    [{ ...MINIMAL, alarms: { apiP99LatencyMs: 10 } }, 'herald.alarms.apiP99LatencyMs'],
    [
      { ...MINIMAL, alarms: { deliveryFailureRatePercent: 0 } },
      'herald.alarms.deliveryFailureRatePercent',
    ],
    [{ ...MINIMAL, scheduling: { maxDays: 0 } }, 'herald.scheduling.maxDays'],
    [{ ...MINIMAL, scheduling: { maxDay: 30 } }, 'herald.scheduling'],
    [
      { ...MINIMAL, alarms: { highOldestMessageAgeSeconds: 10 } },
      'herald.alarms.highOldestMessageAgeSeconds',
    ],
    [{ ...MINIMAL, sesConfigurationSet: 'has spaces' }, 'herald.sesConfigurationSet'],
    [{ ...MINIMAL, enabledChanels: ['email'] }, 'herald'],
  ])('names the bad key: %j -> %s', (raw, key) => {
    const issues = issuesOf(raw);
    expect(
      issues.some((issue) => issue.startsWith(`${key}: `)),
      issues.join('\n'),
    ).toBe(true);
  });

  it('lists every bad key at once', () => {
    const issues = issuesOf({ stage: '', senderAddress: 'x', enabledChannels: ['fax'] });
    expect(issues.map((i) => i.split(':')[0])).toEqual([
      'herald.stage',
      'herald.senderAddress',
      'herald.enabledChannels.0',
    ]);
  });
});

describe('bin/herald.ts', () => {
  it('stops the synth with a message naming the bad key', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'herald-bin-'));
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/herald.ts'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ herald: { ...MINIMAL, logRetentionDays: 31 } }),
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid cdk.json context "herald"');
    expect(result.stderr).toContain('herald.logRetentionDays: one of 1, 3, 5');
  });
});
