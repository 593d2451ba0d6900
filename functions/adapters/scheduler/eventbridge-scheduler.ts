import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { scheduleNameFor } from '../../core/notifications/ingest';
import type { ReleaseScheduler } from '../../core/notifications/ports';

/** Where EventBridge Scheduler sends a due notification. */
export interface SchedulerSettings {
  groupName: string;
  /** Role Scheduler assumes; it may only invoke the release target. */
  roleArn: string;
  /** The release function. */
  targetArn: string;
  /** Where Scheduler puts an invocation that kept failing. */
  deadLetterArn?: string;
}

/** `at()` takes a local date-time without offset; Herald always passes UTC and says so. */
export function atExpression(epochMs: number): string {
  return `at(${new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().slice(0, 19)})`;
}

export function createScheduler(
  settings: SchedulerSettings,
  client: SchedulerClient,
): ReleaseScheduler {
  return {
    async schedule(notificationId, sendAt) {
      const name = scheduleNameFor(notificationId);
      try {
        await client.send(
          new CreateScheduleCommand({
            Name: name,
            GroupName: settings.groupName,
            ScheduleExpression: atExpression(sendAt),
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Target: {
              Arn: settings.targetArn,
              RoleArn: settings.roleArn,
              Input: JSON.stringify({ notificationId }),
              RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
              ...(settings.deadLetterArn
                ? { DeadLetterConfig: { Arn: settings.deadLetterArn } }
                : {}),
            },
          }),
        );
      } catch (error) {
        // The name derives from the notification id: a conflict is our own earlier attempt.
        if (!(error instanceof ConflictException)) throw error;
      }
      return name;
    },
    async unschedule(name) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: name, GroupName: settings.groupName }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}
