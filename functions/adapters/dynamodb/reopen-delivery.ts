import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Priority } from '../../core/notifications/model';
import { canTransition } from '../../core/notifications/status';
import { deliveryItemKey, reconcileIndexAttributes } from './items';

if (!canTransition('failed', 'queued')) throw new Error('illegal status change failed -> queued');

/**
 * failed -> queued for a replay, in one conditional write that also:
 * - puts the delivery on the open-work index (the GSI `reconcile` indexes any item with `rpk` and
 *   `rsk`), due now: the notification's own entry is long behind the reconciler, which let it go
 *   when the delivery failed. Should the replay's message never arrive (the api died, the message
 *   was dropped), the reconciler finds the delivery and sends it. In the same write, so no crash
 *   can leave a re-opened delivery that nothing watches;
 * - records `attemptsBeforeReplay`: the fresh attempt budget the replay promises counts from here.
 */
export async function reopenDelivery(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  deliveryId: string,
  now: number,
  priority?: Priority,
): Promise<boolean> {
  const index = reconcileIndexAttributes(notificationId, now);
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: deliveryItemKey(notificationId, deliveryId),
        UpdateExpression: `SET ${[
          '#status = :queued',
          '#leaseUntil = :zero',
          '#updatedAt = :now',
          '#version = if_not_exists(#version, :zero) + :one',
          '#replays = if_not_exists(#replays, :zero) + :one',
          '#before = if_not_exists(#attempts, :zero)',
          '#rpk = :rpk',
          '#rsk = :rsk',
          ...(priority ? ['#priority = :priority'] : []),
        ].join(', ')} REMOVE #failure`,
        ConditionExpression: '#status = :failed',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#leaseUntil': 'leaseUntil',
          '#updatedAt': 'updatedAt',
          '#version': 'version',
          '#replays': 'replays',
          '#before': 'attemptsBeforeReplay',
          '#attempts': 'attempts',
          '#rpk': 'rpk',
          '#rsk': 'rsk',
          '#failure': 'failure',
          ...(priority ? { '#priority': 'priority' } : {}),
        },
        ExpressionAttributeValues: {
          ':queued': 'queued',
          ':failed': 'failed',
          ':now': new Date(now).toISOString(),
          ':zero': 0,
          ':one': 1,
          ':rpk': index.rpk,
          ':rsk': index.rsk,
          ...(priority ? { ':priority': priority } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
