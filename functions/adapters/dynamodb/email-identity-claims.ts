import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Which tenant holds an SES identity of the stack's own account: `SESIDENTITY#<identity>`. A
 * verified domain of the stack's account may be sent as by one tenant only, so a tenant can never
 * name another's domain as its own (identities in a tenant's own account, reached through its
 * role, need no claim: the role is the proof).
 */
export class EmailIdentityClaims {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Claims the identity for `owner` (`<tenant>/<provider>`); false: another tenant holds it. */
  async claim(identity: string, tenantId: string, owner: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(identity), tenantId, owner },
          ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :t',
          ExpressionAttributeValues: { ':t': tenantId },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Frees the identity if `owner` holds it. */
  async release(identity: string, owner: string): Promise<void> {
    await this.db
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key(identity),
          ConditionExpression: '#o = :o',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':o': owner },
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      });
  }
}

/** Partition keys of the claims (IAM: the api's grant). */
export const EMAIL_IDENTITY_CLAIM_ITEMS = 'SESIDENTITY#*';

const key = (identity: string) => ({ pk: `SESIDENTITY#${identity.toLowerCase()}`, sk: 'claim' });
