/**
 * Limits a request is checked against before anything is recorded or enqueued. Most are the
 * providers' own limits: rejecting early turns a certain permanent delivery failure, found minutes
 * later in a DLQ, into a 400 the caller sees at once.
 */

/** Twilio refuses a message body longer than 1,600 characters (SMS and WhatsApp alike). */
export const MAX_TEXT_MESSAGE_CHARS = 1_600;

/** Slack truncates `text` beyond 40,000 characters; we refuse rather than deliver a cut message. */
export const MAX_SLACK_TEXT_CHARS = 40_000;

/** Slack rejects a message with more than 50 blocks (`invalid_blocks`). */
export const MAX_SLACK_BLOCKS = 50;

/** AWS IoT Core rejects topics longer than 256 bytes of UTF-8. */
export const MAX_MQTT_TOPIC_BYTES = 256;

/**
 * AWS IoT Core rejects a publish whose topic has more than 7 forward slashes (8 levels). Not in the
 * MQTT spec, but every Herald MQTT message goes through IoT Core.
 */
export const MAX_MQTT_TOPIC_SLASHES = 7;

/** AWS IoT Core's message size limit; the payload is measured as UTF-8 bytes once serialized. */
export const MAX_MQTT_PAYLOAD_BYTES = 131_072;

/** Herald publishes at most once or at least once; IoT Core has no QoS 2. */
export const MQTT_QOS_LEVELS = [0, 1] as const;

/**
 * The iot-data Publish API's own default, so a request that does not ask for delivery guarantees
 * behaves as it would against IoT Core directly.
 */
export const DEFAULT_MQTT_QOS = 0;

/** FCM refuses a message whose notification and data payload exceed 4,096 bytes. */
export const MAX_PUSH_PAYLOAD_BYTES = 4_096;

/** Data keys FCM reserves for itself; a message using one is rejected by FCM. */
export const RESERVED_PUSH_DATA_KEYS: readonly string[] = ['from', 'notification', 'message_type'];

/** FCM also reserves every data key starting with these prefixes. */
export const RESERVED_PUSH_DATA_KEY_PREFIXES: readonly string[] = ['gcm', 'google.'];

/**
 * FCM registration tokens are about 160 ASCII characters; a cap in UTF-8 bytes well above that keeps
 * one delivery item under DynamoDB's 1 KB budget (see architecture.md) and the token's suppression
 * key (`push#<token>`) under DynamoDB's 1,024-byte sort key limit.
 */
export const MAX_PUSH_TOKEN_BYTES = 512;

/** Slack channel names are at most 80 characters; IDs are shorter. Room for a leading `#`. */
export const MAX_SLACK_CHANNEL_CHARS = 81;

/** RFC 5322 caps a header line at 998 characters; a longer subject cannot be sent unfolded. */
export const MAX_EMAIL_SUBJECT_CHARS = 998;

/** RFC 5321 caps a forward path (an address) at 254 characters. */
export const MAX_EMAIL_ADDRESS_CHARS = 254;

/**
 * Each email body part, as UTF-8 bytes. SES allows 40 MB per message, but the content is stored on
 * the notification item, and DynamoDB items are at most 400 KB.
 */
export const MAX_EMAIL_TEXT_BYTES = 262_144;
export const MAX_EMAIL_HTML_BYTES = 262_144;

/**
 * Recipients per channel when the deployment does not configure `MAX_RECIPIENTS_PER_CHANNEL`:
 * each recipient is one delivery item and one SQS message, written while the client waits.
 */
export const DEFAULT_MAX_RECIPIENTS_PER_CHANNEL = 1_000;

/** Metadata is stored on the notification item and returned on every GET: it must stay small. */
export const MAX_METADATA_KEYS = 20;
export const MAX_METADATA_KEY_CHARS = 64;
export const MAX_METADATA_VALUE_CHARS = 256;

/**
 * A `sendAt` slightly in the past is accepted (and means "now") because client and server clocks
 * drift and requests spend time in transit; further back it is almost certainly a client bug.
 */
export const SEND_AT_PAST_TOLERANCE_MS = 5 * 60 * 1_000;

/**
 * How far ahead a notification may be scheduled unless the deployment says otherwise: EventBridge
 * Scheduler holds one-time schedules indefinitely, but content and recipients go stale.
 */
export const DEFAULT_MAX_SCHEDULE_AHEAD_MS = 365 * 24 * 60 * 60 * 1_000;

/**
 * WhatsApp template variables (Twilio `ContentVariables`, keys `"1"`, `"2"`... or names): bounded
 * so the notification item stays small; Twilio's own limit per variable is the message length.
 */
export const MAX_TEMPLATE_VARIABLES = 50;
export const MAX_TEMPLATE_VARIABLE_KEY_CHARS = 64;
export const MAX_TEMPLATE_VARIABLE_CHARS = 1024;
