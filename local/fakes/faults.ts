import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { CHANNELS, type Channel } from '../../functions/core/notifications/model';

/** What is set for one channel; absent fields mean "behave normally". */
export interface ChannelFaults {
  /** Every send fails with the provider's own "service unavailable" answer. */
  outage?: true;
  /** The fake records the message at once, then answers this much later. */
  latencyMs?: number;
  /** Single senders (a From number, a messaging service, a Slack channel) that are down. */
  senderOutages?: string[];
}

/** A request's response, which emits `close` when the connection ends (answered or aborted). */
interface ClosingResponse {
  once(event: 'close', listener: () => void): unknown;
}

/** The body of `POST /_local/faults`: one channel, and what to set or clear on it. */
export const faultRequestSchema = z
  .object({
    channel: z.enum(CHANNELS),
    /** One sender of the channel (a From number or messaging service, a Slack channel), not all. */
    sender: z.string().min(1).max(200).optional(),
    outage: z.boolean().optional(),
    // Longer than any Lambda could wait: a typo of a few zeros should be refused, not hang a fake.
    latencyMs: z.number().int().min(0).max(900_000).optional(),
  })
  .strict()
  .refine((body) => body.outage !== undefined || body.latencyMs !== undefined, {
    message: 'Set outage, latencyMs or both',
    path: ['outage'],
  })
  .refine((body) => body.sender === undefined || body.latencyMs === undefined, {
    message: 'A single sender takes an outage only',
    path: ['latencyMs'],
  });

export type FaultRequest = z.infer<typeof faultRequestSchema>;

/**
 * Outages and latency a person (or a test) switches on per channel through `/_local/faults`.
 * The fakes ask it on every send; an outage answers with what the real provider sends when it
 * is down, so the channel function's own classifier decides it is worth retrying.
 */
export class Faults {
  readonly #byChannel = new Map<Channel, ChannelFaults>();
  readonly #open = new Map<string, number>();
  readonly #peak = new Map<string, number>();

  apply(request: FaultRequest): void {
    const current = { ...this.#byChannel.get(request.channel) };
    if (request.sender !== undefined) {
      const down = new Set(current.senderOutages);
      if (request.outage === true) down.add(request.sender);
      if (request.outage === false) down.delete(request.sender);
      if (down.size > 0) current.senderOutages = [...down];
      else delete current.senderOutages;
      if (Object.keys(current).length === 0) this.#byChannel.delete(request.channel);
      else this.#byChannel.set(request.channel, current);
      return;
    }
    if (request.outage === true) current.outage = true;
    if (request.outage === false) delete current.outage;
    if (request.latencyMs !== undefined && request.latencyMs > 0) {
      current.latencyMs = request.latencyMs;
    }
    if (request.latencyMs === 0) delete current.latencyMs;
    if (Object.keys(current).length === 0) this.#byChannel.delete(request.channel);
    else this.#byChannel.set(request.channel, current);
  }

  /** What is set, per channel; channels without faults are left out. */
  list(): Partial<Record<Channel, ChannelFaults>> {
    return Object.fromEntries(
      CHANNELS.flatMap((c) => {
        const set = this.#byChannel.get(c);
        return set ? [[c, { ...set }]] : [];
      }),
    );
  }

  clear(): void {
    this.#byChannel.clear();
  }

  /** Whether the channel is down, or (given one) that sender of it. */
  outage(channel: Channel, sender?: string): boolean {
    const set = this.#byChannel.get(channel);
    if (set?.outage === true) return true;
    return sender !== undefined && (set?.senderOutages?.includes(sender) ?? false);
  }

  /**
   * Wait out the channel's latency (if any): called after the fake has recorded the message.
   * Given the request's response and recipient, it also counts the requests for one recipient
   * held open at once: one ends when its wait is over or when the client gives up and closes.
   */
  async delay(
    channel: Channel,
    held?: { response: ClosingResponse; recipient: string },
  ): Promise<void> {
    const ms = this.#byChannel.get(channel)?.latencyMs;
    if (!ms) return;
    const key = `${channel}\n${held?.recipient ?? ''}`;
    const open = (this.#open.get(key) ?? 0) + 1;
    this.#open.set(key, open);
    this.#peak.set(key, Math.max(this.#peak.get(key) ?? 0, open));
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.#open.set(key, (this.#open.get(key) ?? 1) - 1);
    };
    held?.response.once('close', end);
    await sleep(ms);
    end();
  }

  /**
   * The most delayed requests for one recipient a channel's fake held open at once (for any
   * recipient of the channel when none is named): a check that attempts never overlap.
   */
  peakInFlight(channel: Channel, recipient?: string): number {
    let peak = 0;
    for (const [key, value] of this.#peak) {
      const [c, r] = key.split('\n');
      if (c === channel && (recipient === undefined || r === recipient))
        peak = Math.max(peak, value);
    }
    return peak;
  }
}
