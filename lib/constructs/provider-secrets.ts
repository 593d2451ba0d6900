import { SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Channel } from '../../functions/core/notifications/model';

/** The third-party providers whose credentials Herald keeps in Secrets Manager. */
export type Provider = 'twilio' | 'slack' | 'fcm';

/** Which provider secret a channel function reads, and the env variable naming it. */
export const PROVIDER_OF_CHANNEL: Partial<Record<Channel, { provider: Provider; env: string }>> = {
  sms: { provider: 'twilio', env: 'TWILIO_SECRET_ID' },
  whatsapp: { provider: 'twilio', env: 'TWILIO_SECRET_ID' },
  slack: { provider: 'slack', env: 'SLACK_SECRET_ID' },
  push: { provider: 'fcm', env: 'FCM_SECRET_ID' },
};

/**
 * Placeholders the operator overwrites with `aws secretsmanager put-secret-value` (docs/deploy.md).
 * CloudFormation rewrites the secret only when this template value changes, so a filled-in
 * secret survives later deploys as long as these stay the same.
 */
export const PLACEHOLDERS: Record<Provider, Record<string, string>> = {
  twilio: {
    accountSid: 'REPLACE_ME',
    authToken: 'REPLACE_ME',
    smsFrom: 'REPLACE_ME',
    whatsappFrom: 'REPLACE_ME',
  },
  slack: { botToken: 'REPLACE_ME' },
  fcm: { type: 'service_account', project_id: 'REPLACE_ME' },
};

const DESCRIPTIONS: Record<Provider, string> = {
  twilio:
    'Herald Twilio credentials (SMS, WhatsApp): {accountSid, authToken, smsFrom, whatsappFrom}',
  slack: 'Herald Slack bot token: {botToken}',
  fcm: 'Herald Firebase Cloud Messaging: the Google service-account JSON',
};

/** Props of ProviderSecrets. */
export interface ProviderSecretsProps {
  /** Enabled channels: a secret is made only for providers one of them uses. */
  readonly channels: readonly Channel[];
}

/** One Secrets Manager secret per third-party provider, created with placeholder JSON. */
export class ProviderSecrets extends Construct {
  /** Secret per provider that an enabled channel needs. */
  readonly secrets: Partial<Record<Provider, secretsmanager.Secret>> = {};

  constructor(scope: Construct, id: string, props: ProviderSecretsProps) {
    super(scope, id);
    const providers = new Set<Provider>();
    for (const channel of props.channels) {
      const link = PROVIDER_OF_CHANNEL[channel];
      if (link) providers.add(link.provider);
    }
    for (const provider of [...providers].sort()) {
      const secret = new secretsmanager.Secret(this, capitalize(provider), {
        description: DESCRIPTIONS[provider],
        // A placeholder, not a credential: the real value is put by the operator after deploy.
        secretStringValue: SecretValue.unsafePlainText(JSON.stringify(PLACEHOLDERS[provider])),
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Third-party credentials (Twilio auth token, Slack bot token, FCM service-account key) are issued and rotated in the vendor console; Secrets Manager cannot rotate them, the operator puts the new value (docs/deploy.md).',
      });
      this.secrets[provider] = secret;
    }
  }

  /** The secret a channel's function reads, with its env variable name; undefined for none. */
  forChannel(channel: Channel): { secret: secretsmanager.Secret; env: string } | undefined {
    const link = PROVIDER_OF_CHANNEL[channel];
    const secret = link && this.secrets[link.provider];
    return link && secret ? { secret, env: link.env } : undefined;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
