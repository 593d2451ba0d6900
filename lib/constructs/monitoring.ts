import { Annotations, type Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { HeraldConfig } from '../config';
import { HeraldAlarms } from './alarms';
import type { ChannelSender } from './channel-sender';
import { HeraldDashboard } from './dashboard';
import type { DeliveryEvents } from './delivery-events';
import type { HeraldFunction } from './herald-function';
import type { Scheduling } from './scheduling';
import type { SesFeedback } from './ses-feedback';

/** Printed at synth when alarms would reach nobody. */
export const UNROUTED_ALARMS_WARNING =
  'Herald alarms reach nobody: set "alarmEmail" (Herald subscribes it to its alarm topic) or "alarmTopicArn" (an existing SNS topic) in cdk.json context.herald, then deploy (docs/deploy.md, section 3).';

/** What the dashboard and the alarms watch. */
export interface MonitoringProps {
  readonly config: HeraldConfig;
  readonly senders: readonly ChannelSender[];
  readonly api: apigw.RestApi;
  /** The api and authorizer functions. */
  readonly apiFunctions: readonly HeraldFunction[];
  readonly scheduling: Scheduling;
  readonly events: DeliveryEvents;
  /** The console's function. */
  readonly consoleFunction: HeraldFunction;
  readonly sesFeedback: SesFeedback | undefined;
  readonly serviceName: (fn: string) => string;
}

/** The dashboard and the alarms of every part, and a synth warning when alarms reach nobody. */
export function addMonitoring(stack: Stack, props: MonitoringProps) {
  const { config, senders, api, apiFunctions, scheduling, events, sesFeedback } = props;
  const dashboard = new HeraldDashboard(stack, 'Dashboard', {
    senders,
    api,
    apiFunctions,
    scheduling,
  });
  const alarms = new HeraldAlarms(stack, 'Alarms', {
    senders,
    api,
    apiFunctions,
    scheduling,
    otherFunctions: [
      events.eventsFunction,
      events.senderFunction,
      props.consoleFunction,
      ...(sesFeedback ? [sesFeedback.function] : []),
    ],
    otherDeadLetterQueues: sesFeedback
      ? [
          {
            id: 'SesFeedbackDlq',
            queue: sesFeedback.deadLetterQueue,
            meaning:
              'SES events (bounces, complaints, deliveries) the feedback function gave up on: those recipients are not suppressed and those deliveries not updated until the messages are handled. Fix the cause, then move them back to the feedback queue (StartMessageMoveTask)',
          },
        ]
      : [],
    thresholds: config.alarms,
    alarmEmail: config.alarmEmail,
    alarmTopicArn: config.alarmTopicArn,
  });
  dashboard.dashboard.addWidgets(...events.widgets());
  if (sesFeedback)
    dashboard.dashboard.addWidgets(...sesFeedback.widgets(props.serviceName('feedback')));
  events.addAlarms(alarms.topic);
  if (!alarms.routed)
    Annotations.of(stack).addWarningV2('herald:unroutedAlarms', UNROUTED_ALARMS_WARNING);
  return { dashboard, alarms };
}
