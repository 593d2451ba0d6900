import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoWorkflowStore } from '../../adapters/dynamodb/workflow-store';
import { LambdaDurableEngine } from '../../adapters/lambda/durable-engine';
import { dynamo } from '../../runtime/aws-clients';
import { loadWorkflowFunctionName } from '../../runtime/config';
import { traced } from '../../runtime/tracing';
import { config } from './context';

/** The workflow store and engine of the api function, built once per container. */
export const workflowStore = new DynamoWorkflowStore(
  dynamo,
  config.tableName,
  config.retentionDays,
);
export const workflowEngine = new LambdaDurableEngine(
  traced(new LambdaClient({})),
  loadWorkflowFunctionName(),
);
