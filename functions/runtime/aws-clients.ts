import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Built once per container and shared by every module of a function, so connections are reused
// across invocations. Endpoints come from the SDK's standard AWS_ENDPOINT_URL_* variables.
export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sqs = new SQSClient({});
