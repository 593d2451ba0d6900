import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryRecord } from '../../core/notifications/model';
import { canTransition } from '../../core/notifications/status';
import { addSeed, type DeliverySeed, seedAttributes } from './delivery-pages';
import { deliveryItemKey } from './items';

/**
 * The reconciler's change to a stuck delivery, conditional on it being exactly as read (same
 * status, same updatedAt): a claim, a retry or a cancel in between wins, and nothing happens.
 * `requeue`: scheduled -> queued, or queued/sending with a fresh updatedAt (its stuck clock starts
 * again); `fail`: -> failed with the reason, kind `exhausted` (a DLQ replay may re-open it).
 */
export async function recoverDelivery(
  db: DynamoDBDocumentClient,
  tableName: string,
  expected: Pick<DeliveryRecord, 'notificationId' | 'deliveryId' | 'status' | 'updatedAt'> &
    Partial<DeliveryRecord>,
  action: { requeue: true } | { fail: string },
  now: number,
  expiresAt: number,
): Promise<boolean> {
  const set: Record<string, string> =
    'fail' in action
      ? { status: 'failed', lastError: action.fail, failure: 'exhausted' }
      : expected.status === 'scheduled'
        ? { status: 'queued' }
        : {};
  const to = set.status as DeliveryRecord['status'] | undefined;
  if (to !== undefined && !canTransition(expected.status, to)) {
    throw new Error(`illegal status change ${expected.status} -> ${to}`);
  }
  const names: Record<string, string> = {
    '#status': 'status',
    '#updatedAt': 'updatedAt',
    '#version': 'version',
  };
  const values: Record<string, unknown> = {
    ':expected': expected.status,
    ':seen': expected.updatedAt,
    ':updatedAt': new Date(now).toISOString(),
    ':zero': 0,
    ':one': 1,
  };
  // Every write of a delivery moves its version on (events order one delivery's changes by it).
  const assignments = [
    '#updatedAt = :updatedAt',
    '#version = if_not_exists(#version, :zero) + :one',
  ];
  // A page entry (no item yet, version 0): the change creates the item, only if still absent
  // (a claim or a cancel in between created it first, and wins).
  const unclaimed = (expected.version ?? 0) === 0 && expected.channel !== undefined;
  if (unclaimed) set.status ??= expected.status;
  for (const [field, value] of Object.entries(set)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    assignments.push(`#${field} = :${field}`);
  }
  if (unclaimed) {
    const seed = seedAttributes(expected as DeliverySeed, expiresAt, now);
    addSeed({ assignments, names, values }, { ...seed, attempts: 0 });
    delete values[':seen'];
    delete values[':expected'];
  }
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: deliveryItemKey(expected.notificationId, expected.deliveryId),
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ConditionExpression: unclaimed
          ? 'attribute_not_exists(pk)'
          : '#status = :expected AND #updatedAt = :seen',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
