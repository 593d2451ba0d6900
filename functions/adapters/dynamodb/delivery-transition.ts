import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryStatus } from '../../core/model';
import { canTransition } from '../../core/status';
import { deliveryKey, notificationKey } from './items';

/** One conditional change of a delivery item. */
export interface DeliveryChange {
  /** Statuses the delivery may be in for the change to happen. */
  from: readonly DeliveryStatus[];
  /** Attributes to set (`status` among them when the status changes). */
  set: Record<string, string | number>;
  /** Attributes to remove. */
  remove?: readonly string[];
  /** Attributes to add to (counters). */
  add?: Record<string, number>;
  /**
   * A further condition ORed with the status one, e.g. `sending` with a free lease; its names and
   * values are merged into the expression.
   */
  orWhen?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
}

/**
 * Applies `change` to one delivery by a single conditional UpdateItem on its current status:
 * true when it happened, false when the delivery was not in a `from` status (a race lost, not
 * an error). Every edge is checked against status.ts first: an illegal one is a programming error.
 */
export async function transitionDelivery(
  db: DynamoDBDocumentClient,
  tableName: string,
  notificationId: string,
  deliveryId: string,
  now: number,
  change: DeliveryChange,
): Promise<boolean> {
  const to = change.set.status as DeliveryStatus | undefined;
  const illegal = change.from.find((status) => !canTransition(status, to ?? status));
  if (illegal) throw new Error(`illegal status change ${illegal} -> ${to ?? illegal}`);
  const names: Record<string, string> = {
    '#status': 'status',
    '#updatedAt': 'updatedAt',
    ...change.orWhen?.names,
  };
  const values: Record<string, unknown> = {
    ':updatedAt': new Date(now).toISOString(),
    ...change.orWhen?.values,
  };
  const assignments = ['#updatedAt = :updatedAt'];
  for (const [field, value] of Object.entries(change.set)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    assignments.push(`#${field} = :${field}`);
  }
  for (const [field, by] of Object.entries(change.add ?? {})) {
    names[`#${field}`] = field;
    values[`:${field}Add`] = by;
    values[':zero'] = 0;
    assignments.push(`#${field} = if_not_exists(#${field}, :zero) + :${field}Add`);
  }
  const removals = (change.remove ?? []).map((field) => {
    names[`#${field}`] = field;
    return `#${field}`;
  });
  const fromPlaceholders = change.from.map((status, i) => {
    values[`:from${i}`] = status;
    return `:from${i}`;
  });
  const statusCondition = `#status IN (${fromPlaceholders.join(', ')})`;
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: notificationKey(notificationId), sk: deliveryKey(deliveryId) },
        UpdateExpression: `SET ${assignments.join(', ')}${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`,
        ConditionExpression: change.orWhen
          ? `(${statusCondition}) OR (${change.orWhen.expression})`
          : statusCondition,
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
