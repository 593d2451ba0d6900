import {
  PUBLISHED_RATES,
  phoneSenderKind,
  type SenderKind,
} from '../../functions/core/providers/senders';

/** One refusal: which sender went over its rate, and when. */
export interface RateRefusal {
  provider: 'twilio' | 'slack' | 'fcm' | 'ses';
  sender: string;
  at: number;
}

/**
 * Slack the fakes allow (ms): Herald books exact slots, but the claim and the content read between
 * a slot and its request take tens to hundreds of ms on a loaded 2-core machine, so a late send
 * followed by one on time arrive close together. Twilio itself queues what a number cannot send
 * at once; the fake refuses only sends that run more than this far ahead of the rate.
 */
export const FAKE_RATE_SLACK_MS = 1000;

/**
 * The providers' documented rates as the local fakes enforce them (a sender over its rate gets
 * the provider's 429: Twilio 20429, Slack `ratelimited` with Retry-After). The same GCRA Herald
 * books with, per sender (a Twilio From number or messaging service, a WhatsApp sender, a Slack
 * channel per bot), with the rates multiplied by `scale` (the local stack's faster clock, which it
 * also gives the functions as SENDER_RATE_SCALE) and FAKE_RATE_SLACK_MS of tolerance.
 */
export class ProviderRates {
  readonly refusals: RateRefusal[] = [];
  readonly #tat = new Map<string, number>();

  constructor(readonly scale: number) {}

  /** Twilio: an SMS sender counts segments, a WhatsApp sender messages. */
  twilio(sender: string, whatsapp: boolean, units: number): boolean {
    const kind: SenderKind = whatsapp
      ? 'whatsapp'
      : phoneSenderKind(sender.replace('whatsapp:', ''));
    return this.#admit('twilio', `twilio:${sender}`, PUBLISHED_RATES[kind], units);
  }

  /** Slack: about one message per second per channel, per workspace (bot token). */
  slack(token: string, channel: string): boolean {
    return this.#admit('slack', `slack:${token}:${channel}`, PUBLISHED_RATES['slack-channel'], 1);
  }

  /** FCM: 600,000 messages a minute per project (PUBLISHED_RATES fcm-project, per second). */
  fcm(project: string): boolean {
    return this.#admit('fcm', `fcm:${project}`, PUBLISHED_RATES['fcm-project'], 1);
  }

  /**
   * Each account's SES sending quota (messages/s) where it is not SES's production default
   * (PUBLISHED_RATES ses-account, 14/s): tests give a tenant's account a small one.
   */
  readonly sesQuotas = new Map<string, number>();

  /** SES: the sending quota of the account that calls (the stack's, or a tenant's by its role). */
  ses(account: string): boolean {
    const rate = this.sesQuotas.get(account) ?? PUBLISHED_RATES['ses-account'];
    return this.#admit('ses', `ses:${account}`, rate, 1);
  }

  /** Refusals so far for senders whose key contains `sender` (all when absent). */
  refused(sender?: string): number {
    return this.refusals.filter((r) => sender === undefined || r.sender.includes(sender)).length;
  }

  #admit(provider: RateRefusal['provider'], key: string, rate: number, units: number): boolean {
    const now = Date.now();
    const cost = (units * 1000) / (rate * this.scale);
    const start = Math.max(this.#tat.get(key) ?? now, now);
    if (start - now > FAKE_RATE_SLACK_MS) {
      this.refusals.push({ provider, sender: key.replace(/^slack:[^:]*:/, 'slack:'), at: now });
      return false;
    }
    this.#tat.set(key, start + cost);
    return true;
  }
}
