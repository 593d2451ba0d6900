import type { ReconcileReport } from '../functions/core/delivery/reconcile';
import { createLambdaContext, type LambdaHandler } from './emulators/lambda';

/** The local stand-in for the reconciler's EventBridge rule. */
export interface ReconcilerTimer {
  /** Run once now (after a run in progress), as the rule would; what it found. */
  runNow(): Promise<ReconcileReport>;
  stop(): Promise<void>;
}

/**
 * Invokes functions/handlers/reconcile.ts every `intervalMs` (5 minutes in AWS, a few seconds
 * locally), one run at a time, and logs what a run found.
 */
export function startReconcilerTimer(options: {
  handler: LambdaHandler<unknown, ReconcileReport>;
  intervalMs: number;
  region: string;
  log: (line: string) => void;
}): ReconcilerTimer {
  let last: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const run = (): Promise<ReconcileReport> => {
    const next = last.then(() =>
      options.handler({}, createLambdaContext('herald-reconcile', options.region, 120_000)),
    );
    last = next.catch(() => undefined);
    return next;
  };
  const tick = () => {
    run()
      .then((report) => {
        if (report.stuck.length > 0) {
          options.log(
            `[reconciler] ${report.stuck.length} stuck deliveries: ${report.stuck
              .map((s) => `${s.notificationId}/${s.deliveryId} ${s.status} -> ${s.action}`)
              .join(', ')}`,
          );
        }
      })
      .catch((error: unknown) => options.log(`[reconciler] run failed: ${String(error)}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  timer = setTimeout(tick, options.intervalMs);

  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await last;
    },
  };
}
