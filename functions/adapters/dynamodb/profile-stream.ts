import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { RecipientProfile } from '../../core/recipients/model';
import { PROFILE_SK } from './recipient-keys';
import type { StreamImages } from './stream-images';

function profileOf(image: Record<string, unknown> | undefined): RecipientProfile | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (item.sk !== PROFILE_SK || !String(item.pk).startsWith('RCP#')) return undefined;
  const { pk: _pk, sk: _sk, xpk: _xpk, xsk: _xsk, ...profile } = item;
  return profile as RecipientProfile;
}

/** Stream records -> the recorded writes of recipient profiles, in stream order. */
export function profileChangesOf(
  records: readonly StreamImages[],
): { before?: RecipientProfile; after?: RecipientProfile }[] {
  const changes: { before?: RecipientProfile; after?: RecipientProfile }[] = [];
  for (const record of records) {
    const before = profileOf(record.dynamodb?.OldImage);
    const after = profileOf(record.dynamodb?.NewImage);
    if (before || after) changes.push({ ...(before && { before }), ...(after && { after }) });
  }
  return changes;
}
