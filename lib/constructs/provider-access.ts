import { ArnFormat, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Channel } from '../../functions/core/notifications/model';
import type { HeraldConfig } from '../config';
import { IotEndpoint } from './iot-endpoint';
import type { SesFeedback } from './ses-feedback';

/** What a channel's sender gets besides the common settings: environment and provider grants. */
export interface ProviderAccess {
  environment: Record<string, string>;
  statements: iam.PolicyStatement[];
}

/**
 * Channel-specific environment and provider permissions, scoped to what the channel sends.
 * Resources it creates (the IoT endpoint lookup) belong to `stack`, as they always have.
 */
export function providerAccess(
  stack: Stack,
  channel: Channel,
  config: HeraldConfig,
  logRetention: logs.RetentionDays,
  sesFeedback: SesFeedback | undefined,
): ProviderAccess {
  if (channel === 'email') {
    const environment: Record<string, string> = {
      EMAIL_FROM: config.senderAddress,
      // The send-rate gate holds the account's SES rate (the sandbox allows 1 message/s).
      SES_RATE_PER_SECOND: String(config.sesRatePerSecond ?? (config.sesSandbox ? 1 : 14)),
    };
    const domain = config.senderAddress.split('@')[1] ?? config.senderAddress;
    // SES authorizes against whichever identity is verified: the address or its domain. In the
    // sandbox it also authorizes against each recipient's identity, so the function may then
    // send to any identity of the account in this region (SES itself still refuses recipients
    // that are not verified).
    const identities = config.sesSandbox ? ['*'] : [config.senderAddress, domain];
    const resources = identities.map((identity) =>
      stack.formatArn({
        service: 'ses',
        resource: 'identity',
        resourceName: identity,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    // Every email goes out with Herald's configuration set, so its events come back.
    if (sesFeedback) {
      environment.SES_CONFIGURATION_SET = sesFeedback.configurationSetName;
      resources.push(sesFeedback.configurationSetArn);
    }
    return {
      environment,
      statements: [
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources,
          // identity/* would let the function send as any verified identity of the account:
          // only a From at the sender's domain (bare, or `Name <address>`) is allowed.
          ...(config.sesSandbox && {
            conditions: {
              StringLike: {
                'ses:FromAddress': [`*@${domain.toLowerCase()}`, `*@${domain.toLowerCase()}>`],
              },
            },
          }),
        }),
      ],
    };
  }
  if (channel === 'mqtt') {
    const endpoint = new IotEndpoint(stack, 'IotEndpoint', { logRetention });
    const topics = stack.formatArn({
      service: 'iot',
      resource: 'topic',
      resourceName: `${config.mqttTopicPrefix}*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    return {
      environment: { IOT_DATA_ENDPOINT: endpoint.url },
      statements: [new iam.PolicyStatement({ actions: ['iot:Publish'], resources: [topics] })],
    };
  }
  return { environment: {}, statements: [] };
}
