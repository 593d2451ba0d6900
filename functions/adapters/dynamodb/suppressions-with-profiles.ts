import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { applyAddressHealth, healthOf } from '../../core/recipients/address-health';
import type { Channel } from '../../core/shared/vocabulary';
import type { SuppressionEntry } from '../../core/suppressions/model';
import { DynamoRecipientStore } from './recipient-store';
import { SuppressionStore } from './suppression-store';

/**
 * The suppression list, kept in agreement with recipient profiles: every entry added (provider
 * feedback, an admin) also marks that address on the tenant's profiles holding it, and lifting
 * one sets the address back to ok. The list is written first: it is what the senders check, so a
 * failure after it leaves the address suppressed (the profile catches up on the next report).
 * Cost: one Query on the address entry, then a read and a write per profile holding it.
 */
export class SuppressionsWithProfiles extends SuppressionStore {
  private readonly profiles: DynamoRecipientStore;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    super(db, tableName);
    this.profiles = new DynamoRecipientStore(db, tableName);
  }

  override async add(entry: SuppressionEntry): Promise<boolean> {
    const added = await super.add(entry);
    // Also when the entry was there already: a profile may have gained the address since.
    await applyAddressHealth(this.profiles, entry.tenantId, entry.channel, entry.recipient, {
      channel: entry.channel,
      health: healthOf(entry, new Date().toISOString()),
    });
    return added;
  }

  override async remove(tenantId: string, channel: Channel, recipient: string): Promise<boolean> {
    const removed = await super.remove(tenantId, channel, recipient);
    if (removed) {
      await applyAddressHealth(this.profiles, tenantId, channel, recipient, {
        channel,
        lifted: true,
        now: new Date().toISOString(),
      });
    }
    return removed;
  }
}
