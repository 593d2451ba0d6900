import {
  type DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

/**
 * Every item a query matches, page after page: the SDK's paginator follows LastEvaluatedKey.
 * Stop iterating to stop reading (no further page is requested).
 */
export async function* queryItems(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
): AsyncGenerator<Record<string, unknown>> {
  for await (const page of paginateQuery({ client: db }, input)) yield* page.Items ?? [];
}
