import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import {
  RECIPIENT_INDEX,
  RECIPIENT_INDEX_PK,
  RECIPIENT_INDEX_SK,
} from '../../functions/adapters/dynamodb/recipient-keys';
import type { Channel } from '../../functions/core/shared/vocabulary';
import { grantIndexQuery, grantItems } from './data-table';

/*
 * Recipients live in Herald's table (keys: functions/adapters/dynamodb/recipient-keys.ts): this
 * adds their index, their routes and the grants of the functions that use them.
 */

/** Profiles (`RCP#<tenant>#<id>`). */
export const PROFILE_ITEMS = 'RCP#*';
/** The address entries: lookup and email/phone search (`RADDR#<tenant>#<shard>`). */
export const ADDRESS_ITEMS = 'RADDR#*';
/** A tenant's categories (`CAT#<tenant>`). */
export const CATEGORY_ITEMS = 'CAT#*';
/** The partitions of the `recipients` index (`RIDX#<tenant>#<shard>`). */
export const RECIPIENT_INDEX_PARTITIONS = 'RIDX#*';

/** The `recipients` index: keys only (a listing then batch-reads the profiles it names). */
export function addRecipientIndex(table: dynamodb.Table): void {
  table.addGlobalSecondaryIndex({
    indexName: RECIPIENT_INDEX,
    partitionKey: { name: RECIPIENT_INDEX_PK, type: dynamodb.AttributeType.STRING },
    sortKey: { name: RECIPIENT_INDEX_SK, type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.KEYS_ONLY,
  });
}

/** The manage function: read and write profiles and their address entries, search the index. */
export function grantRecipientManagement(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  const actions = [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:PutItem',
    'dynamodb:DeleteItem',
    'dynamodb:UpdateItem',
  ];
  grantItems(grantee, table, actions, PROFILE_ITEMS);
  grantItems(
    grantee,
    table,
    ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
    ADDRESS_ITEMS,
  );
  grantIndexQuery(grantee, table, RECIPIENT_INDEX, RECIPIENT_INDEX_PARTITIONS);
  grantItems(
    grantee,
    table,
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
    CATEGORY_ITEMS,
  );
}

/**
 * The api function's send path: the profiles a send to recipient ids names (BatchGetItem), the
 * category it names, and the inline profiles it upserts first (a conditional PutItem each, their
 * address entries in BatchWriteItems, the suppression list read to mark suppressed addresses).
 * No listing, no index, no delete, no category edit: those are the manage function's
 * (grantRecipientManagement).
 */
export function grantRecipientSends(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  grantItems(
    grantee,
    table,
    ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'],
    PROFILE_ITEMS,
  );
  grantItems(grantee, table, ['dynamodb:BatchWriteItem'], ADDRESS_ITEMS);
  grantItems(grantee, table, ['dynamodb:GetItem'], CATEGORY_ITEMS);
}

/** `/v1/recipients...` on the API, each behind the API-key authorizer. */
export function addRecipientRoutes(
  v1: apigw.IResource,
  integration: apigw.Integration,
  secured: apigw.MethodOptions,
): void {
  const recipients = v1.addResource('recipients');
  recipients.addMethod('GET', integration, secured);
  recipients.addResource('batch').addMethod('POST', integration, secured);
  const recipient = recipients.addResource('{id}');
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
    recipient.addMethod(method, integration, secured);
  }
  const preferences = recipient.addResource('preferences');
  for (const method of ['GET', 'PUT']) preferences.addMethod(method, integration, secured);
  // One-click unsubscribe (RFC 8058) and the preference page: mail clients POST without any key.
  const unsubscribe = v1.addResource('unsubscribe');
  for (const method of ['GET', 'POST']) {
    const open = unsubscribe.addMethod(method, integration, {
      authorizationType: apigw.AuthorizationType.NONE,
    });
    Validations.of(open).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'One-click unsubscribe (RFC 8058) is POSTed by mail providers with no credentials; the link carries an HMAC-SHA-256 token (key in Secrets Manager) naming tenant, recipient, address and category with an expiry, and the api answers 4xx and changes nothing for any other.',
    });
    Validations.of(open).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'A link in an email, authenticated by its signed token, not by a user pool.',
    });
  }
  const categories = v1.addResource('categories');
  categories.addMethod('GET', integration, secured);
  const category = categories.addResource('{key}');
  for (const method of ['GET', 'PUT', 'DELETE']) category.addMethod(method, integration, secured);
}

/** Channels whose provider answers can mark an address (Twilio STOP, FCM UNREGISTERED). */
export const ADDRESS_FEEDBACK_CHANNELS: readonly Channel[] = ['sms', 'whatsapp', 'push'];

/**
 * Functions whose provider feedback suppresses an address (feedback: SES bounces and complaints;
 * the senders of ADDRESS_FEEDBACK_CHANNELS) mark it on the profiles holding it: look the address
 * up, read and rewrite those profiles. Nothing else of recipients.
 */
export function grantAddressHealth(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  grantItems(grantee, table, ['dynamodb:GetItem', 'dynamodb:PutItem'], PROFILE_ITEMS);
  grantItems(grantee, table, ['dynamodb:Query'], ADDRESS_ITEMS);
}

/** The stack's hook: address health for feedback and the senders that can report it. */
export function grantAddressFeedback(
  table: dynamodb.ITable,
  senders: ReadonlyMap<Channel, { function: { fn: iam.IGrantable } }>,
  feedback?: { function: { fn: iam.IGrantable } },
): void {
  for (const channel of ADDRESS_FEEDBACK_CHANNELS) {
    const sender = senders.get(channel);
    if (sender) grantAddressHealth(sender.function.fn, table);
  }
  if (feedback) grantAddressHealth(feedback.function.fn, table);
}
