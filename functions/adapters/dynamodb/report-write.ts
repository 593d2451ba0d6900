import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReportChange, ReportWrite } from '../../core/delivery/report-ports';
import type { DeliveryStatus } from '../../core/notifications/model';
import { canTransition } from '../../core/notifications/status';
import { deliveryKey, notificationKey } from './items';

/** Longest detail or reason kept on a delivery: the item must stay under 1 KB. */
const MAX_TEXT = 256;
const bounded = (text: string) =>
  text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;

/**
 * One provider report as one conditional UpdateItem: `status IN (from)` guards the move, so a
 * late or repeated report can never move a delivery back. The answer carries the recipient
 * (for the suppression list) and, when the condition failed, the status that stopped it.
 */
export async function writeReport(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  deliveryId: string,
  change: ReportChange,
): Promise<ReportWrite> {
  const illegal =
    change.status && change.from.find((s) => !canTransition(s, change.status as DeliveryStatus));
  if (illegal) throw new Error(`illegal status change ${illegal} -> ${change.status}`);
  const Key = { pk: notificationKey(notificationId), sk: deliveryKey(deliveryId) };
  const set: Record<string, string> = { updatedAt: new Date(change.now).toISOString() };
  if (change.status) set.status = change.status;
  if (change.lastError !== undefined) set.lastError = bounded(change.lastError);
  if (change.providerDetail !== undefined) set.providerDetail = bounded(change.providerDetail);
  if (change.providerMessageId !== undefined) set.providerMessageId = change.providerMessageId;
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {};
  const assignments = Object.entries(set).map(([field, value]) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    return `#${field} = :${field}`;
  });
  // Every write moves the version on: events order the changes of one delivery by it.
  names['#version'] = 'version';
  values[':zero'] = 0;
  values[':one'] = 1;
  assignments.push('#version = if_not_exists(#version, :zero) + :one');
  const from = change.from.map((status, i) => {
    values[`:from${i}`] = status;
    return `:from${i}`;
  });
  try {
    const answer = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key,
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ConditionExpression: `#status IN (${from.join(', ')})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return {
      applied: true,
      recipient: String(answer.Attributes?.recipient ?? ''),
      status: answer.Attributes?.status as DeliveryStatus,
    };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // DynamoDB returns the item with the failure; emulators that do not get one more read.
    let recipient = error.Item?.recipient?.S;
    let status = error.Item?.status?.S as DeliveryStatus | undefined;
    if (status === undefined) {
      const item = (
        await db.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true }))
      ).Item;
      recipient = item?.recipient as string | undefined;
      status = item?.status as DeliveryStatus | undefined;
    }
    if (status === undefined || recipient === undefined) return { applied: false, missing: true };
    return { applied: false, recipient, status };
  }
}
