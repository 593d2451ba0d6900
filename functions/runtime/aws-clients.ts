import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from './tracing';

// Built once per container and shared by every module of a function, so connections are reused
// across invocations. Endpoints come from the SDK's standard AWS_ENDPOINT_URL_* variables.
// Traced when tracing is on: each call is a subsegment, and SendMessageBatch carries the trace
// header that SQS stores as each message's AWSTraceHeader.
// Marked pure so that a function that never uses one of them (the authorizer: no SQS) does not
// bundle its SDK client. `dynamoClient` is the plain client, for Powertools idempotency.
export const dynamoClient = /* @__PURE__ */ traced(/* @__PURE__ */ new DynamoDBClient({}));
export const dynamo = /* @__PURE__ */ DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true },
});
export const sqs = /* @__PURE__ */ traced(/* @__PURE__ */ new SQSClient({}));
