import * as z from 'zod/mini';
import { CHANNELS } from '../../core/notifications/model';

/* What the template routes answer (the OpenAPI document and the tests' contract check). */

const instant = z.iso.datetime({ offset: true });
const json = z.record(z.string(), z.unknown());

const head = {
  key: z.string(),
  description: z.optional(z.string()),
  defaultLocale: z.string(),
  locales: z.array(z.string()),
  channels: z.array(z.enum(CHANNELS)),
  createdAt: instant,
  updatedAt: instant,
  updatedBy: z.string().check(z.describe('the key id that last saved the draft')),
  latestVersion: z
    .number()
    .check(z.int(), z.minimum(0), z.describe('the newest published version; 0 before the first')),
  archivedAt: z.optional(instant),
};

export const templateHeadShape = z.strictObject(head);

export const templateShape = z.strictObject({
  ...head,
  draft: z.optional(json.check(z.describe('the draft, as last saved with PUT'))),
});

export const templateListShape = z.strictObject({
  items: z.array(templateHeadShape),
  nextCursor: z.optional(z.string()),
});

const versionSummary = {
  version: z.number().check(z.int(), z.minimum(1)),
  publishedAt: instant,
  publishedBy: z.string().check(z.describe('the key id that published it')),
  note: z.optional(z.string()),
};

export const versionListShape = z.strictObject({
  items: z.array(z.strictObject(versionSummary)).check(z.describe('newest first, at most 100')),
});

export const versionShape = z.strictObject({
  ...versionSummary,
  key: z.string(),
  defaultLocale: z.string(),
  locales: z
    .record(z.string(), json)
    .check(z.describe('content per locale; MJML compiled to html')),
  dataSchema: z.optional(json),
  description: z.optional(z.string()),
});

export const renderedShape = z.strictObject({
  key: z.string(),
  version: z.optional(
    z.number().check(z.int(), z.minimum(1), z.describe('absent when the draft was rendered')),
  ),
  content: z
    .partialRecord(z.enum(CHANNELS), json)
    .check(z.describe('what each channel would send')),
  locales: z
    .partialRecord(z.enum(CHANNELS), z.string())
    .check(z.describe('the locale variant each channel was rendered from')),
});
