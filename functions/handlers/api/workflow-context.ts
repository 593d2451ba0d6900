import { DynamoWorkflowStore } from '../../adapters/dynamodb/workflow-store';
import { dynamo } from '../../runtime/aws-clients';
import { config } from './context';

/** The workflow store of the api function, built once per container. */
export const workflowStore = new DynamoWorkflowStore(
  dynamo,
  config.tableName,
  config.retentionDays,
);
