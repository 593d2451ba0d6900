import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/shared/errors';
import {
  MAX_WEBHOOKS_PER_TENANT,
  type WebhookAttempt,
  type WebhookRecord,
} from '../../core/webhooks/model';
import type { WebhookRepository } from '../../core/webhooks/ports';
import { queryItems } from './query-items';

/*
 * Webhooks live in the tenant's partition, `TENANT#<tenantId>` / `WEBHOOK#<id>`, so one tenant can
 * never address another's; their attempts in `WEBHOOK#<id>` / `ATTEMPT#<time>#...`, kept
 * ATTEMPT_RETENTION_DAYS (TTL). The signing secret is an attribute of the webhook item: only the
 * api (create, rotate) and the sender (sign) have IAM access to `TENANT#` items.
 */
export const tenantKey = (tenantId: string) => `TENANT#${tenantId}`;
export const WEBHOOK_PREFIX = 'WEBHOOK#';
const webhookKey = (id: string) => `${WEBHOOK_PREFIX}${id}`;
const ATTEMPT_RETENTION_DAYS = 7;
const ROUTING_ATTRIBUTES = ['pk', 'sk', 'id', 'tenantId', 'events', 'enabled'] as const;

/** A webhook as routing sees it. */
export type WebhookRoute = Pick<WebhookRecord, 'id' | 'tenantId' | 'events' | 'enabled'>;

function toWebhook(item: Record<string, unknown>): WebhookRecord {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as WebhookRecord;
}

export class DynamoWebhookStore implements WebhookRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(webhook: WebhookRecord): Promise<void> {
    // Not transactional: two creates racing may both pass; the limit is a guard, not a quota.
    if ((await this.list(webhook.tenantId)).length >= MAX_WEBHOOKS_PER_TENANT) {
      throw new ConflictError(`A tenant has at most ${MAX_WEBHOOKS_PER_TENANT} webhooks`);
    }
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: tenantKey(webhook.tenantId), sk: webhookKey(webhook.id), ...webhook },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async list(tenantId: string): Promise<WebhookRecord[]> {
    const webhooks: WebhookRecord[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': tenantKey(tenantId), ':prefix': WEBHOOK_PREFIX },
    })) {
      webhooks.push(toWebhook(item));
    }
    return webhooks;
  }

  /**
   * What the events function needs to route events: ids, subscribed types, enabled. Never the
   * secrets (its IAM policy allows only these attributes: lib/constructs/delivery-events.ts).
   */
  async listRouting(tenantId: string): Promise<WebhookRoute[]> {
    const routes: WebhookRoute[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeValues: { ':pk': tenantKey(tenantId), ':prefix': WEBHOOK_PREFIX },
      // The events function's policy allows this Query only with `dynamodb:Select` =
      // SPECIFIC_ATTRIBUTES (lib/constructs/delivery-events.ts): IAM sees the key only when the
      // request carries it, so it is sent explicitly, not left implied by the projection.
      Select: 'SPECIFIC_ATTRIBUTES',
      ProjectionExpression: ROUTING_ATTRIBUTES.map((a) => `#${a}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(ROUTING_ATTRIBUTES.map((a) => [`#${a}`, a])),
    })) {
      routes.push({
        id: String(item.id),
        tenantId: String(item.tenantId),
        events: (item.events ?? []) as WebhookRoute['events'],
        enabled: item.enabled === true,
      });
    }
    return routes;
  }

  async get(tenantId: string, id: string): Promise<WebhookRecord | undefined> {
    const answer = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: tenantKey(tenantId), sk: webhookKey(id) },
        ConsistentRead: true,
      }),
    );
    return answer.Item ? toWebhook(answer.Item) : undefined;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    return this.#conditional(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: tenantKey(tenantId), sk: webhookKey(id) },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  async update(
    tenantId: string,
    id: string,
    set: Partial<WebhookRecord>,
    remove: ReadonlyArray<keyof WebhookRecord> = [],
    onlyIfEnabled = false,
  ): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(set).map(([field, value]) => {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      return `#${field} = :${field}`;
    });
    const removes = remove.map((field) => {
      names[`#${field}`] = field;
      return `#${field}`;
    });
    const clauses = [
      ...(sets.length ? [`SET ${sets.join(', ')}`] : []),
      ...(removes.length ? [`REMOVE ${removes.join(', ')}`] : []),
    ];
    if (clauses.length === 0) return true;
    let condition = 'attribute_exists(pk)';
    if (onlyIfEnabled) {
      names['#enabledNow'] = 'enabled';
      values[':enabledNow'] = true;
      condition += ' AND #enabledNow = :enabledNow';
    }
    return this.#conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: tenantKey(tenantId), sk: webhookKey(id) },
        UpdateExpression: clauses.join(' '),
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }

  async recordAttempt(webhookId: string, attempt: WebhookAttempt): Promise<void> {
    const expiresAt = Math.floor(Date.parse(attempt.at) / 1000) + ATTEMPT_RETENTION_DAYS * 86_400;
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: webhookKey(webhookId),
          sk: `ATTEMPT#${attempt.at}#${attempt.eventId}#${attempt.attempt}`,
          ...attempt,
          expiresAt,
        },
      }),
    );
  }

  async recentAttempts(webhookId: string, limit: number): Promise<WebhookAttempt[]> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': webhookKey(webhookId), ':prefix': 'ATTEMPT#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((item) => {
      const { pk: _pk, sk: _sk, expiresAt: _ttl, ...attempt } = item;
      return attempt as WebhookAttempt;
    });
  }

  async #conditional(command: DeleteCommand | UpdateCommand): Promise<boolean> {
    try {
      await this.db.send(command as UpdateCommand);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
