import { Worker } from 'node:worker_threads';

/** What the Lambda thread (local/lambda-worker.ts) is started with. */
export interface LambdaThreadData {
  /** The environment the stack computed; the thread's process.env is the parent's plus this. */
  env: Record<string, string>;
  region: string;
  /** Per function, the queues it consumes (normal lane first, then the high lane). */
  functions: Array<{ name: string; lanes: Array<{ url: string; arn: string }> }>;
  /** Receive loops per lane, each with its own copy of the handler. */
  pollersPerLane: number;
  startPollers: boolean;
  /** Module URLs imported on the thread before the handlers (instrumentation). */
  preload: string[];
}

export type ToLambdaThread = { type: 'start-pollers' } | { type: 'stop' };
export type FromLambdaThread =
  | { type: 'ready'; missing: string[] }
  | { type: 'log'; line: string }
  | { type: 'stopped' };

/** The pollers and channel handlers, running on a worker thread. */
export interface LambdaThread {
  /** Functions whose handler file does not exist (yet), e.g. `send-mqtt`. */
  missing: string[];
  startPollers(): void;
  /** Stop the pollers (batches in flight finish), then end the thread. */
  stop(): Promise<void>;
}

/** Start the thread and resolve once every handler is imported. */
export function startLambdaThread(
  data: LambdaThreadData,
  log: (line: string) => void,
): Promise<LambdaThread> {
  const worker = new Worker(new URL('./lambda-worker-entry.mjs', import.meta.url), {
    workerData: data,
    env: { ...process.env, ...data.env },
    // A larger young generation: fewer scavenges of the short-lived request objects (~6% less CPU).
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
  });
  let stopped: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  let exited = false;
  const thread = (missing: string[]): LambdaThread => ({
    missing,
    startPollers: () => worker.postMessage({ type: 'start-pollers' } satisfies ToLambdaThread),
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        if (exited) return resolve();
        stopped = resolve;
        worker.postMessage({ type: 'stop' } satisfies ToLambdaThread);
      }).then(async () => {
        await worker.terminate();
      });
      return stopping;
    },
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    worker.on('message', (message: FromLambdaThread) => {
      if (message.type === 'log') log(message.line);
      else if (message.type === 'stopped') stopped?.();
      else if (message.type === 'ready') {
        ready = true;
        resolve(thread(message.missing));
      }
    });
    worker.on('error', (error) => {
      if (!ready) reject(error);
      else log(`[lambda] thread failed: ${String(error)}`);
    });
    worker.on('exit', (code) => {
      // Stopping or not, nothing waits on a thread that is gone.
      exited = true;
      stopped?.();
      if (!ready) reject(new Error(`The Lambda thread exited (${code}) before it was ready`));
      else if (!stopping) log(`[lambda] thread exited unexpectedly (${code})`);
    });
  });
}

/**
 * Spread the functions over `count` threads (each function, with all its environments, on one):
 * on a busy pipeline one thread of SDK client work is the bottleneck.
 */
export async function startLambdaThreads(
  data: LambdaThreadData,
  count: number,
  log: (line: string) => void,
): Promise<LambdaThread> {
  const groups = Array.from(
    { length: Math.max(1, Math.min(count, data.functions.length)) },
    (_, i) => data.functions.filter((_, f) => f % count === i),
  );
  const starting = groups.map((functions) => startLambdaThread({ ...data, functions }, log));
  const settled = await Promise.allSettled(starting);
  const threads = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(threads.map((t) => t.stop()));
    throw failed.reason;
  }
  return {
    missing: threads.flatMap((t) => t.missing),
    startPollers: () => {
      for (const thread of threads) thread.startPollers();
    },
    stop: async () => {
      await Promise.all(threads.map((t) => t.stop()));
    },
  };
}
