import type { Channel } from '../shared/vocabulary';
import type { DataSchema } from './data-schema';

/*
 * Templates: a tenant's messages addressed by a key. The draft is edited in place; publishing
 * copies it into an immutable version n. Sends render a version (the latest, or a pinned one)
 * with the caller's data, in the recipient's locale.
 */

/** Email content. `mjml` is compiled into `html` at publish (never at send); a version has no mjml. */
export interface EmailTemplate {
  subject: string;
  text?: string;
  html?: string;
  mjml?: string;
}
export interface TextTemplate {
  text: string;
}
/** WhatsApp free text, or an approved Twilio template whose variables are filled from the data. */
export type WhatsAppTemplateContent =
  | { text: string; contentSid?: never; variables?: never }
  | { contentSid: string; variables: Record<string, string>; text?: never };
export interface PushTemplate {
  title: string;
  body: string;
  data?: Record<string, string>;
}
export interface SlackTemplate {
  text: string;
  /** Block Kit JSON; every string in it is a Liquid template. */
  blocks?: unknown[];
}
export interface MqttTemplate {
  /** A Liquid string, or JSON whose strings are Liquid templates. */
  payload: unknown;
}

/** What a template says for each channel it covers (in one locale). */
export interface ChannelTemplates {
  email?: EmailTemplate;
  sms?: TextTemplate;
  whatsapp?: WhatsAppTemplateContent;
  push?: PushTemplate;
  slack?: SlackTemplate;
  mqtt?: MqttTemplate;
}

/** The content of a template: variants per locale, one of them the default. */
export interface TemplateContent {
  /** BCP 47 tag of the variant used when no other fits. */
  defaultLocale: string;
  /** Variant per BCP 47 locale; every variant covers the same channels. */
  locales: Record<string, ChannelTemplates>;
  /** Optional JSON Schema (Herald's subset, see data-schema.ts) the send data must fit. */
  dataSchema?: DataSchema;
  description?: string;
}

/** A template's head: small, read by every send that does not pin a version. */
export interface TemplateHead {
  tenantId: string;
  key: string;
  description?: string;
  defaultLocale: string;
  /** The draft's locales and channels (for lists). */
  locales: string[];
  channels: Channel[];
  createdAt: string;
  updatedAt: string;
  /** The key id that last edited the draft. */
  updatedBy: string;
  /** Highest published version, 0 before the first publish. */
  latestVersion: number;
  archivedAt?: string;
}

/** A template with its draft. */
export interface TemplateRecord extends TemplateHead {
  draft: TemplateContent;
}

/** An immutable published version. */
export interface TemplateVersion extends TemplateContent {
  tenantId: string;
  key: string;
  version: number;
  publishedAt: string;
  /** The key id that published it. */
  publishedBy: string;
  note?: string;
}

/** Which template a send uses: the latest published version, or a pinned one. */
export interface TemplateRef {
  key: string;
  version?: number;
}

/** Template keys: lowercase, URL-safe, short (they are path parameters and sort keys). */
export const TEMPLATE_KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const TEMPLATE_KEY_MESSAGE =
  'must be 1-64 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Locale variants per template. */
export const MAX_TEMPLATE_LOCALES = 20;
/**
 * A template's content as JSON (all variants, the schema): stored on one DynamoDB item (400 KB),
 * and a version also holds the HTML compiled from MJML, which is larger than its source.
 */
export const MAX_TEMPLATE_BYTES = 128 * 1024;
/** A published version (after MJML compilation), as JSON: room under DynamoDB's 400 KB item. */
export const MAX_VERSION_BYTES = 350 * 1024;
/** The data of one send or preview, as JSON. */
export const MAX_TEMPLATE_DATA_BYTES = 64 * 1024;
/** A publish note. */
export const MAX_NOTE_CHARS = 500;
/** Templates listed per page. */
export const TEMPLATE_PAGE_SIZE = 100;

/**
 * Render limits (liquidjs): characters parsed per template, milliseconds per render, and the
 * objects a render may create. No template, however written, can hang or exhaust a function.
 */
export const RENDER_LIMITS = {
  parseLimit: 1_000_000,
  renderLimitMs: 100,
  memoryLimit: 10_000_000,
  /**
   * Milliseconds of rendering one send may spend over all its recipients: 1,000 renders each just
   * under the per-render limit would otherwise hold the function for 100 s. A legitimate template
   * takes ~0.01-0.03 ms per recipient (`npm run bench -- templates`), 1,000 of them ~25 ms.
   */
  requestBudgetMs: 5_000,
} as const;

/** The channels a template covers, in Herald's channel order. */
export function templateChannels(content: ChannelTemplates): Channel[] {
  return (['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'] as const).filter(
    (channel) => content[channel] !== undefined,
  );
}
