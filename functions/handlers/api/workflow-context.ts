import { DynamoWorkflowStore } from '../../adapters/dynamodb/workflow-store';
import { dynamo } from '../../runtime/aws-clients';
import { loadWorkflowFunctionName } from '../../runtime/config';
import { createSignedDurableEngine } from '../../runtime/durable-engine';
import { config } from './context';

/**
 * The workflow store and engine of the api and manage functions, built once per container. The
 * engine signs its two Lambda calls itself (runtime/durable-engine.ts): the Lambda SDK client
 * would add ~89 KiB to the api's send path for the routing shorthand's one Invoke.
 */
export const workflowStore = new DynamoWorkflowStore(
  dynamo,
  config.tableName,
  config.retentionDays,
);
export const workflowEngine = createSignedDurableEngine(loadWorkflowFunctionName());
