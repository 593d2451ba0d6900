import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryStatus } from '../../core/notifications/model';
import { canTransition } from '../../core/notifications/status';
import { addSeed } from './delivery-pages';
import { deliveryItemKey, historyEntry, historySlot } from './items';
import { type AttemptEntry, isMissingHistory } from './status-write';

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
  /** The attempt this write records the outcome of: added to the history in the same write. */
  attempt?: AttemptEntry;
  /**
   * The delivery may have no item yet (a page entry, delivery-pages.ts): the write then creates
   * it, with these attributes (set only where absent), if no item exists.
   */
  seed?: Record<string, unknown>;
}

/** `sending` with no attempt holding the lease (a retry waits, or the sender died): ORed in. */
export function leaseFree(now: number): NonNullable<DeliveryChange['orWhen']> {
  return {
    expression: '#status = :sending AND (attribute_not_exists(#lease) OR #lease < :nowMs)',
    names: { '#lease': 'leaseUntil' },
    values: { ':sending': 'sending', ':nowMs': now },
  };
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
  // Every write moves the version on: events order the changes of one delivery by it.
  names['#version'] = 'version';
  values[':zero'] = 0;
  values[':one'] = 1;
  const assignments = [
    '#updatedAt = :updatedAt',
    '#version = if_not_exists(#version, :zero) + :one',
  ];
  const history: string[] = [];
  if (change.attempt) {
    const { attempt, outcome, error } = change.attempt;
    names['#history'] = 'history';
    names['#slot'] = historySlot(attempt);
    values[':entry'] = historyEntry(attempt, now, outcome, error);
    history.push('#history.#slot = :entry');
  }
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
  if (change.seed) addSeed({ assignments, names, values }, change.seed);
  const removals = (change.remove ?? []).map((field) => {
    names[`#${field}`] = field;
    return `#${field}`;
  });
  const fromPlaceholders = change.from.map((status, i) => {
    values[`:from${i}`] = status;
    return `:from${i}`;
  });
  const statusCondition = `${change.seed ? 'attribute_not_exists(pk) OR ' : ''}#status IN (${fromPlaceholders.join(', ')})`;
  const write = (withHistory: boolean) => {
    const sets = withHistory ? [...assignments, ...history] : assignments;
    const used = withHistory
      ? { names, values }
      : {
          names: Object.fromEntries(
            Object.entries(names).filter(([k]) => !['#history', '#slot'].includes(k)),
          ),
          values: Object.fromEntries(Object.entries(values).filter(([k]) => k !== ':entry')),
        };
    return db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: deliveryItemKey(notificationId, deliveryId),
        UpdateExpression: `SET ${sets.join(', ')}${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`,
        ConditionExpression: change.orWhen
          ? `(${statusCondition}) OR (${change.orWhen.expression})`
          : statusCondition,
        ExpressionAttributeNames: used.names,
        ExpressionAttributeValues: used.values,
      }),
    );
  };
  try {
    try {
      await write(history.length > 0);
    } catch (error) {
      // An item claimed before attempt histories existed has no `history` map to add to.
      if (!(history.length > 0 && isMissingHistory(error))) throw error;
      await write(false);
    }
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
