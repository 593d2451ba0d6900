import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FanoutState } from '../../core/topics/model';
import { FANOUT_SK, toState } from './fanout-store';
import type { StreamImages } from './stream-images';

function stateOf(image: Record<string, unknown> | undefined): FanoutState | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (item.sk !== FANOUT_SK || !String(item.pk).startsWith('NOTIF#')) return undefined;
  return toState(item);
}

/** Stream records -> the recorded writes of fan-out states, in stream order. */
export function fanoutChangesOf(
  records: readonly StreamImages[],
): { before?: FanoutState; after?: FanoutState }[] {
  const changes: { before?: FanoutState; after?: FanoutState }[] = [];
  for (const record of records) {
    const before = stateOf(record.dynamodb?.OldImage);
    const after = stateOf(record.dynamodb?.NewImage);
    if (before || after) changes.push({ ...(before && { before }), ...(after && { after }) });
  }
  return changes;
}
