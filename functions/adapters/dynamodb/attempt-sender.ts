import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * The sender an attempt goes out from (a number, a messaging service, a bot's channel, with the
 * account it belongs to), set by the channel function around one delivery's attempt and written
 * into that attempt's history entry by the same status write: the history names the sender of
 * every attempt, so a failover is visible, without a parameter threaded through the use-case.
 */
const current = new AsyncLocalStorage<string>();

/** Runs `fn` (one delivery's attempt) with its sender named; undefined: nothing named. */
export function withAttemptSender<T>(sender: string | undefined, fn: () => T): T {
  return sender === undefined ? fn() : current.run(sender, fn);
}

/** The sender of the attempt being recorded, if the channel function named one. */
export function attemptSender(): string | undefined {
  return current.getStore();
}
