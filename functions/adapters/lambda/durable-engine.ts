import {
  InvokeCommand,
  type LambdaClient,
  SendDurableExecutionCallbackSuccessCommand,
} from '@aws-sdk/client-lambda';
import type { WorkflowEngine } from '../../core/workflows/ports';

/**
 * Runs on Lambda durable functions: a run is an execution of the workflow function named by the
 * run id (Lambda returns the existing execution for a repeated name and payload), started with
 * an asynchronous invoke; a wait is completed with SendDurableExecutionCallbackSuccess.
 */
export class LambdaDurableEngine implements WorkflowEngine {
  constructor(
    private readonly lambda: LambdaClient,
    /** The workflow function's ARN with its alias or version (durable invokes need a qualifier). */
    private readonly functionName: string,
  ) {}

  async start(runId: string, payload: { runId: string }): Promise<void> {
    try {
      await this.lambda.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'Event',
          DurableExecutionName: runId,
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    } catch (error) {
      // Same name, same payload: the execution exists already, which is what a retry wants.
      if ((error as { name?: string }).name === 'DurableExecutionAlreadyStartedException') return;
      throw error;
    }
  }

  async completeCallback(callbackId: string, result: unknown): Promise<void> {
    try {
      await this.lambda.send(
        new SendDurableExecutionCallbackSuccessCommand({
          CallbackId: callbackId,
          Result: new TextEncoder().encode(
            typeof result === 'string' ? result : JSON.stringify(result),
          ),
        }),
      );
    } catch (error) {
      // Completed already (by the run itself or an earlier stream batch), or timed out: nothing to do.
      const name = (error as { name?: string }).name ?? '';
      if (/InvalidParameterValue|ResourceNotFound|CallbackTimeout|Conflict/.test(name)) return;
      throw error;
    }
  }
}
