import { type Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Channel } from '../../functions/core/notifications/model';
import { channelTuning, type HeraldConfig } from '../config';
import { ChannelSender } from './channel-sender';
import { providerAccess } from './provider-access';
import type { ProviderSecrets } from './provider-secrets';
import type { SesFeedback } from './ses-feedback';

/** What every channel sender of the stack shares. */
export interface SendersProps {
  readonly channels: readonly Channel[];
  readonly config: HeraldConfig;
  readonly table: dynamodb.ITable;
  readonly secrets: ProviderSecrets;
  readonly sesFeedback: SesFeedback | undefined;
  readonly logRetention: logs.RetentionDays;
  readonly serviceName: (fn: string) => string;
}

/**
 * One ChannelSender (two lanes) per enabled channel, in the order given, each with its
 * provider's environment and grants; and what cdk-nag is told about the wildcards they need.
 */
export function createSenders(stack: Stack, props: SendersProps): Map<Channel, ChannelSender> {
  const { config, table, secrets, sesFeedback, logRetention, serviceName } = props;
  const senders = new Map<Channel, ChannelSender>();
  for (const channel of props.channels) {
    const { environment, statements } = providerAccess(
      stack,
      channel,
      config,
      logRetention,
      sesFeedback,
    );
    senders.set(
      channel,
      new ChannelSender(stack, `${capitalize(channel)}Sender`, {
        channel,
        table,
        tuning: channelTuning(config, channel),
        serviceName: serviceName(`send-${channel}`),
        logRetention,
        secret: secrets.forChannel(channel),
        environment,
        providerStatements: statements,
        tracing: config.tracing,
      }),
    );
  }
  // The name may be given literally (cdk.json): send only once the configuration set exists.
  const email = senders.get('email');
  if (email && sesFeedback) {
    email.function.fn.node.addDependency(sesFeedback.configurationSet);
  }
  if (email && config.sesSandbox) {
    Validations.of(email.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      reason:
        'sesSandbox: in the SES sandbox SES also authorizes ses:SendEmail against each recipient identity, and recipients are not known at deploy time; the scope is the identities of this account and region, and SES itself refuses recipients that are not verified. Off once the account has production access.',
    });
  }
  const mqtt = senders.get('mqtt');
  if (mqtt) {
    Validations.of(mqtt.function).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/${config.mqttTopicPrefix}*]`,
      reason:
        'Each request names its MQTT topic, so iot:Publish is scoped to the topics under the configured mqttTopicPrefix (the api function rejects any other topic); that prefix is the narrowest fixed scope.',
    });
  }
  return senders;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
