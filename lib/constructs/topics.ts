import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  MEMBERSHIP_ITEMS,
  SUBSCRIBER_ITEMS,
  TOPIC_ITEMS,
} from '../../functions/adapters/dynamodb/topic-store';
import { grantItems } from './data-table';
import type { HeraldFunction } from './herald-function';

/*
 * Topics (functions/core/topics; keys: functions/adapters/dynamodb/topic-store.ts): their routes
 * on the api function and the grants of the functions that use them.
 */

/** Props of Topics. */
export interface TopicsProps {
  readonly table: dynamodb.ITable;
  /** The `/v1` resource of the REST API. */
  readonly v1: apigw.IResource;
  /** The method options of keyed routes (the API-key authorizer, usage plan). */
  readonly secured: apigw.MethodOptions;
  /** Serves the topic routes. */
  readonly apiFunction: HeraldFunction;
}

/** Topic management: items, routes, grants. */
export class Topics extends Construct {
  constructor(scope: Construct, id: string, props: TopicsProps) {
    super(scope, id);
    const { table, apiFunction } = props;
    grantTopicManagement(apiFunction.fn, table);
    const integration = new apigw.LambdaIntegration(apiFunction.fn, {
      proxy: true,
      allowTestInvoke: false,
    });
    const { secured } = props;
    const topics = props.v1.addResource('topics');
    topics.addMethod('GET', integration, secured);
    const topic = topics.addResource('{key}');
    topic.addMethod('PUT', integration, secured);
    const subscribers = topic.addResource('subscribers');
    subscribers.addMethod('GET', integration, secured);
    subscribers.addMethod('POST', integration, secured);
    subscribers.addResource('{id}').addMethod('DELETE', integration, secured);
  }
}

/** The api: topics, subscriptions and memberships (a recipient's erase clears its memberships). */
export function grantTopicManagement(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  grantItems(
    grantee,
    table,
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    `${TOPIC_ITEMS}*`,
  );
  const write = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:Query'];
  grantItems(grantee, table, write, `${SUBSCRIBER_ITEMS}*`);
  grantItems(grantee, table, write, `${MEMBERSHIP_ITEMS}*`);
}
