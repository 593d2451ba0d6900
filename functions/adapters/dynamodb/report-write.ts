import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ReportChange, ReportWrite, StoredDelivery } from '../../core/delivery/report-ports';
import type { DeliveryStatus } from '../../core/notifications/model';
import { canTransition } from '../../core/notifications/status';
import { deliveryItemKey } from './items';

/** Longest detail or reason kept on a delivery: the item must stay under 1 KB. */
const MAX_TEXT = 256;
const bounded = (text: string) =>
  text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;

/**
 * One provider report as one conditional UpdateItem: `status IN (from)` guards the move, so a
 * late or repeated report can never move a delivery back, and a report about another attempt's
 * message never moves it at all. The answer carries what the suppression list needs (recipient,
 * tenant) and, when the condition failed, what stopped it (the status, the recorded message id).
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
  const Key = deliveryItemKey(notificationId, deliveryId);
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
  // A report names the provider's message it is about: another attempt's message (a late report
  // of an attempt whose outcome was unknown) must not move the attempt recorded since.
  const sameMessage =
    change.providerMessageId === undefined
      ? ''
      : ' AND (attribute_not_exists(#providerMessageId) OR #providerMessageId = :providerMessageId)';
  try {
    const answer = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key,
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ConditionExpression: `#status IN (${from.join(', ')})${sameMessage}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    // ALL_NEW returns the item the condition found, whole.
    const item = answer.Attributes ?? {};
    return {
      applied: true,
      ...(stored(item) ?? { recipient: String(item.recipient ?? ''), status: change.status }),
    } as ReportWrite;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // DynamoDB returns the item with the failure (`ReturnValuesOnConditionCheckFailure`, in the
    // low-level format: the document client does not convert errors); an emulator that does not
    // return it costs one more read.
    const item = error.Item
      ? unmarshall(error.Item)
      : (await db.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true }))).Item;
    const found = stored(item);
    return found ? { applied: false, ...found } : { applied: false, missing: true };
  }
}

/** The parts of a delivery item a report needs, or undefined when there is no such item. */
function stored(item: Record<string, unknown> | undefined): StoredDelivery | undefined {
  if (typeof item?.status !== 'string' || typeof item.recipient !== 'string') return undefined;
  return {
    recipient: item.recipient,
    status: item.status as DeliveryStatus,
    ...(typeof item.tenantId === 'string' && { tenantId: item.tenantId }),
    ...(typeof item.providerMessageId === 'string' && {
      providerMessageId: item.providerMessageId,
    }),
  };
}
