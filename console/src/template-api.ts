/*
 * The template routes as the console calls them (through the shared client's `call`), and the
 * shapes they answer.
 */
import type { Accepted, Api, Channel } from './api';

export interface TemplateHead {
  key: string;
  description?: string;
  defaultLocale: string;
  locales: string[];
  channels: Channel[];
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  latestVersion: number;
  archivedAt?: string;
}

export interface TemplateDetail extends TemplateHead {
  draft?: Record<string, unknown>;
}

export interface VersionSummary {
  version: number;
  publishedAt: string;
  publishedBy: string;
  note?: string;
}

export interface TemplateVersion extends VersionSummary {
  key: string;
  defaultLocale: string;
  locales: Record<string, unknown>;
  dataSchema?: Record<string, unknown>;
  description?: string;
}

export interface Rendered {
  key: string;
  version?: number;
  content: Partial<Record<Channel, Record<string, unknown>>>;
  locales: Partial<Record<Channel, string>>;
}

const at = (key: string) => `v1/templates/${encodeURIComponent(key)}`;

export function templateApi(api: Api) {
  return {
    list: () => api.call<{ items: TemplateHead[] }>('GET', 'v1/templates'),
    get: (key: string) => api.call<TemplateDetail>('GET', at(key), { routeOptional: false }),
    save: (key: string, draft: unknown) =>
      api.call<TemplateDetail>('PUT', at(key), { body: draft, routeOptional: false }),
    publish: (key: string, note?: string) =>
      api.call<TemplateVersion>('POST', `${at(key)}/publish`, {
        body: note ? { note } : {},
        routeOptional: false,
      }),
    archive: (key: string) => api.call<unknown>('DELETE', at(key), { routeOptional: false }),
    versions: (key: string) =>
      api.call<{ items: VersionSummary[] }>('GET', `${at(key)}/versions`, { routeOptional: false }),
    version: (key: string, n: number) =>
      api.call<TemplateVersion>('GET', `${at(key)}/versions/${n}`, { routeOptional: false }),
    render: (
      key: string,
      body: { draft?: unknown; version?: number; locale?: string; data: unknown },
    ) => api.call<Rendered>('POST', `${at(key)}/render`, { body, routeOptional: false }),
    /** The latest published version to one address per channel given. */
    sendTest: (
      key: string,
      body: { data: unknown; locale?: string; channels: Record<string, unknown> },
    ) => api.send({ template: { key }, ...body }) as Promise<Accepted>,
  };
}

export type TemplateApi = ReturnType<typeof templateApi>;

/** A new template's starting draft. */
export const STARTER_DRAFT = {
  defaultLocale: 'en',
  locales: {
    en: {
      email: {
        subject: 'Hello {{ name }}',
        html: '<p>Hello {{ name }}</p>',
        text: 'Hello {{ name }}',
      },
      sms: { text: 'Hello {{ name }}' },
    },
  },
};
