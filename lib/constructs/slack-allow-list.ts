import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { ChannelSender } from './channel-sender';
import type { HeraldFunction } from './herald-function';

/** What the Slack allow-list (issue 22) is wired to. */
export interface SlackAllowListProps {
  /** Serves the allow-list routes (the manage function). */
  readonly apiFunction: HeraldFunction;
  /** Validates Slack channels of a send against the list (the api function). */
  readonly sendFunction: HeraldFunction;
  readonly slackSender?: ChannelSender;
  /** The REST API's `/v1` resource and the options of a keyed method. */
  readonly v1: apigw.IResource;
  readonly secured: apigw.MethodOptions;
  /**
   * A tenant on the stack's Slack bot without an allow-list may post nowhere
   * (SLACK_ALLOW_LIST_REQUIRED). Default false: anywhere, as a single-tenant stack always has.
   */
  readonly required?: boolean;
}

/**
 * `GET/PUT/DELETE /v1/providers/slack-allow-list` on the manage function: the channels a tenant may
 * post to through the stack's Slack bot. The list is a `PROVIDERS#<tenant>#slack-allow-list` item,
 * within the manage function's and the slack sender's PROVIDERS# grants (tenant-providers.ts): no new grant.
 */
export function addSlackAllowList(props: SlackAllowListProps): void {
  if (props.required) {
    props.apiFunction.fn.addEnvironment('SLACK_ALLOW_LIST_REQUIRED', 'true');
    props.sendFunction.fn.addEnvironment('SLACK_ALLOW_LIST_REQUIRED', 'true');
    props.slackSender?.function.fn.addEnvironment('SLACK_ALLOW_LIST_REQUIRED', 'true');
  }
  const integration = new apigw.LambdaIntegration(props.apiFunction.fn, {
    proxy: true,
    allowTestInvoke: false,
  });
  const providers = props.v1.getResource('providers') ?? props.v1.addResource('providers');
  const list = providers.addResource('slack-allow-list');
  for (const method of ['GET', 'PUT', 'DELETE']) list.addMethod(method, integration, props.secured);
}
