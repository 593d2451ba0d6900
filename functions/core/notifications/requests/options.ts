import type { FieldError } from '../../shared/field-errors';
import type { Channel, NotificationRequest } from '../model';

export type { FieldError };

/** What validation depends on besides the body: the deployment's settings and the clock. */
export interface ValidationOptions {
  /** Distinct recipients allowed per channel (MAX_RECIPIENTS_PER_CHANNEL). */
  maxRecipientsPerChannel: number;
  /** Channels this deployment has a queue for; requests naming any other get a 400. */
  enabledChannels: readonly Channel[];
  /** The stack's MQTT prefix (MQTT_TOPIC_PREFIX): every tenant's namespace is under it. */
  mqttTopicPrefix?: string;
  /**
   * Whose request this is. MQTT topics are relative to the tenant's namespace,
   * `<mqttTopicPrefix><tenantId>/` (mqtt-topic.ts); without a tenant, to the prefix alone.
   */
  tenantId?: string;
  /** Epoch milliseconds; injected so `sendAt` checks are deterministic in tests. */
  now: number;
  /** How far ahead `sendAt` may be; DEFAULT_MAX_SCHEDULE_AHEAD_MS (365 days) when absent. */
  maxScheduleAheadMs?: number;
  /** When set, an email `from` must be an address at this domain (EMAIL_FROM's). */
  senderDomain?: string;
  /**
   * The tenant's own SES identities (domains or addresses): when set, an email `from` must be
   * within one of them, and `senderDomain` does not apply.
   */
  senderIdentities?: readonly string[];
  /**
   * The channels this tenant may post to through the stack's Slack bot (its allow-list), when it
   * has no bot of its own and a list applies: a Slack channel must be on it (slack-channels.ts).
   */
  slackChannels?: readonly string[];
}

/** Either the request in Herald's one internal shape, or every problem found in it. */
export type ValidationResult =
  | { ok: true; value: NotificationRequest }
  | { ok: false; errors: FieldError[] };
