import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TENANT_PROVIDER_CHANNELS } from '../../functions/core/providers/config';
import { FEATURE_FLAGS } from './fixture';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** cdk.json's own `herald` block, as `cdk deploy` reads it. */
const shipped = (
  JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: { herald: Record<string, unknown> } }
).context.herald;

/** Synthesizes through bin/herald.ts with this `herald` context (no bundling), as cdk synth does. */
function synth(herald: Record<string, unknown>): Resources {
  const outdir = mkdtempSync(join(tmpdir(), 'herald-bin-'));
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/herald.ts'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({
        ...FEATURE_FLAGS,
        herald,
        'aws:cdk:bundling-stacks': [],
      }),
    },
  });
  expect(result.status, result.stderr).toBe(0);
  const template = JSON.parse(
    readFileSync(join(outdir, `Herald-${String(herald.stage)}.template.json`), 'utf8'),
  ) as { Resources: Resources };
  return template.Resources;
}

/** The functions told that tenants must bring their own providers, by logical id. */
function requiring(resources: Resources): string[] {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .filter(([, r]) => {
      const env = (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      return env?.TENANT_PROVIDERS_REQUIRED === 'true';
    })
    .map(([id]) => id)
    .sort();
}

describe('cdk.json tenantProviders.required', () => {
  it('ships off: tenants without their own provider use the stack’s', () => {
    expect(shipped.tenantProviders).toMatchObject({ required: false });
  });

  it('on, tells the manage function and every sender tenants may bring a provider for (bin/herald.ts → stack)', () => {
    const resources = synth({
      ...shipped,
      tenantProviders: { ...(shipped.tenantProviders as object), required: true },
    });
    const ids = requiring(resources);
    expect(ids.some((id) => id.startsWith('ManagementManageFunction'))).toBe(true);
    for (const channel of TENANT_PROVIDER_CHANNELS) {
      const sender = `${channel[0]?.toUpperCase()}${channel.slice(1)}Sender`;
      expect(
        ids.some((id) => id.startsWith(sender)),
        `${sender} in ${ids.join(', ')}`,
      ).toBe(true);
    }
    // Only those: MQTT has no tenant providers, nothing else reads the switch.
    expect(ids).toHaveLength(1 + TENANT_PROVIDER_CHANNELS.length);
  }, 120_000);
});
