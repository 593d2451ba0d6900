import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Channel } from '../../functions/core/notifications/model';

/** What one fake provider received: shown by `GET /_local/outbox` and asserted in tests. */
export interface OutboxEntry {
  channel: Channel;
  /** Email address, E.164 number, FCM token, Slack channel or MQTT topic. */
  recipient: string;
  /** What the provider was asked to deliver (subject/text/html, text, title/body, payload...). */
  content: Record<string, unknown>;
  /** The id the fake answered with. */
  providerMessageId: string;
  /** The provider account that carried it: a Twilio AccountSid, a Slack bot (its token's tail). */
  account?: string;
  receivedAt: string;
}

/**
 * Everything the local fakes accepted, in arrival order. With a `file` (JSON lines) it survives
 * restarts: each entry is appended before the fake answers, so a send the process was killed
 * after is still counted, as the real provider would have it.
 */
export class Outbox {
  readonly #entries: OutboxEntry[] = [];
  readonly #listeners = new Set<(entry: OutboxEntry) => void>();

  constructor(private readonly file?: string) {
    if (!file || !existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    // End a torn last line, so the next append starts a line of its own.
    if (text !== '' && !text.endsWith('\n')) appendFileSync(file, '\n');
    for (const line of text.split('\n')) {
      // A kill in the middle of an append leaves a partial last line: that send never answered.
      if (line.trim() === '') continue;
      try {
        this.#entries.push(JSON.parse(line) as OutboxEntry);
      } catch {
        // Only the torn last line can be unparseable; skipping it loses nothing that was answered.
      }
    }
  }

  add(entry: Omit<OutboxEntry, 'receivedAt'>): OutboxEntry {
    const full = { ...entry, receivedAt: new Date().toISOString() };
    // Synchronous, so the entry is in the file (the OS's page cache) before the fake answers.
    if (this.file) appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    this.#entries.push(full);
    for (const listener of this.#listeners) listener(full);
    return full;
  }

  list(filter: { channel?: Channel; recipient?: string } = {}): OutboxEntry[] {
    return this.#entries.filter(
      (e) =>
        (filter.channel === undefined || e.channel === filter.channel) &&
        (filter.recipient === undefined || e.recipient === filter.recipient),
    );
  }

  /** Called for every entry added from now on; returns an unsubscribe function. */
  onEntry(listener: (entry: OutboxEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#entries.length = 0;
    if (this.file) writeFileSync(this.file, '');
  }
}

export type InjectedFailure = 'permanent' | 'transient' | undefined;

/**
 * E.164 numbers carry no words, so SMS and WhatsApp numbers spell the same convention with
 * their last four digits (README: "Local conventions").
 */
const NUMBER_SUFFIXES: Readonly<Record<string, string>> = {
  '0001': 'fail-permanent',
  '0002': 'fail-transient',
  '0003': 'fail-always',
};

/** The convention word a recipient spells, on any channel. */
function conventionText(channel: Channel, recipient: string): string {
  if (channel !== 'sms' && channel !== 'whatsapp') return recipient;
  return NUMBER_SUFFIXES[recipient.slice(-4)] ?? recipient;
}

/**
 * The local failure convention: a recipient containing `fail-permanent` (a number ending in
 * 0001) always fails permanently, `fail-transient` (0002) fails twice with a retryable error and
 * then succeeds, `fail-always` (0003) always fails with a retryable error. Attempts are counted
 * per channel+recipient.
 */
export class FailureInjector {
  readonly #attempts = new Map<string, number>();

  constructor(private readonly transientFailuresBeforeSuccess = 2) {}

  /** Decide the outcome of one attempt to deliver to `recipient` on `channel`. */
  next(channel: Channel, recipient: string): InjectedFailure {
    const text = conventionText(channel, recipient);
    if (text.includes('fail-permanent')) return 'permanent';
    if (text.includes('fail-always')) return 'transient';
    if (text.includes('fail-transient')) {
      const key = `${channel}:${recipient}`;
      const seen = this.#attempts.get(key) ?? 0;
      this.#attempts.set(key, seen + 1);
      return seen < this.transientFailuresBeforeSuccess ? 'transient' : undefined;
    }
    return undefined;
  }

  /** How many attempts the fakes have seen for a `fail-transient` recipient. */
  attempts(channel: Channel, recipient: string): number {
    return this.#attempts.get(`${channel}:${recipient}`) ?? 0;
  }
}
