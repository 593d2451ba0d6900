import { join } from 'node:path';

/** Where `npm start` writes its endpoints so that `npm run keys -- --local` can find them. */
export const LOCAL_STATE_FILE = join(process.cwd(), '.herald', 'local.json');

/** The local stack's endpoints, as written by `npm start`. */
export interface LocalState {
  url: string;
  region: string;
  tableName: string;
  dynamodbEndpoint: string;
  pid: number;
  /** AWS_ENDPOINT_URL_SQS of the stack (`npm run dlq -- --local`). */
  sqsEndpoint?: string;
  /** Every queue URL by its variable name (QUEUE_URL_*, HIGH_QUEUE_URL_*, DLQ_URL_*). */
  queueUrls?: Record<string, string>;
}

/** The SQS endpoint and queue URLs of a running stack's environment, for the state file. */
export function localQueueState(
  env: Record<string, string>,
): Pick<LocalState, 'sqsEndpoint' | 'queueUrls'> {
  return {
    sqsEndpoint: env.AWS_ENDPOINT_URL_SQS ?? '',
    queueUrls: Object.fromEntries(
      Object.entries(env).filter(([name]) => /^(HIGH_)?QUEUE_URL_|^(SCHEDULE_)?DLQ_URL/.test(name)),
    ),
  };
}
