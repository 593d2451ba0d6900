/*
 * The recipient and category routes as the console calls them (through the shared client's
 * `call`), and the shapes they answer.
 */
import type { Api, Channel, Page } from './api';

export interface AddressHealth {
  status: string;
  since: string;
  source: string;
}

export interface Profile {
  id: string;
  name?: string;
  emails: (AddressHealth & { address: string })[];
  phones: (AddressHealth & { number: string; channels?: string[] })[];
  pushTokens: (AddressHealth & { token: string; platform?: string })[];
  slack?: AddressHealth & { channel?: string; userId?: string };
  mqtt?: AddressHealth & { topic: string };
  timezone?: string;
  locale?: string;
  attributes?: Record<string, unknown>;
  preferences: Preferences;
  createdAt: string;
  updatedAt: string;
  version: number;
  lastUnsubscribe?: { at: string; source: string; category?: string; channel?: string };
}

export interface Preferences {
  channels?: Partial<Record<Channel, boolean>>;
  categories?: Record<string, Partial<Record<string, boolean>>>;
}

export interface Category {
  key: string;
  name: string;
  description?: string;
  critical: boolean;
  defaults: Partial<Record<Channel, boolean>>;
  updatedAt: string;
}

/** One address of a profile, flattened for a table. */
export interface AddressRow extends AddressHealth {
  kind: string;
  value: string;
  note?: string;
}

export function addressRows(profile: Profile): AddressRow[] {
  return [
    ...profile.emails.map((e) => ({ ...e, kind: 'email', value: e.address })),
    ...profile.phones.map((p) => ({
      ...p,
      kind: 'phone',
      value: p.number,
      ...(p.channels && { note: `only ${p.channels.join(', ')}` }),
    })),
    ...profile.pushTokens.map((t) => ({
      ...t,
      kind: 'push',
      value: t.token,
      ...(t.platform && { note: t.platform }),
    })),
    ...(profile.slack
      ? [
          {
            ...profile.slack,
            kind: 'slack',
            value: profile.slack.userId ?? profile.slack.channel ?? '',
          },
        ]
      : []),
    ...(profile.mqtt ? [{ ...profile.mqtt, kind: 'mqtt', value: profile.mqtt.topic }] : []),
  ];
}

const at = (id: string) => `v1/recipients/${encodeURIComponent(id)}`;

export function recipientApi(api: Api) {
  return {
    search: (q: string, cursor?: string) => {
      const query = new URLSearchParams({ limit: '25' });
      if (q) query.set('q', q);
      if (cursor) query.set('cursor', cursor);
      return api.call<Page<Profile>>('GET', `v1/recipients?${query}`);
    },
    get: (id: string) => api.call<Profile>('GET', at(id), { routeOptional: false }),
    preferences: (id: string) =>
      api.call<{ preferences: Preferences; effective: Record<string, Record<string, boolean>> }>(
        'GET',
        `${at(id)}/preferences`,
        { routeOptional: false },
      ),
    erase: (id: string) => api.call<unknown>('DELETE', at(id), { routeOptional: false }),
    categories: () => api.call<{ items: Category[] }>('GET', 'v1/categories'),
    putCategory: (key: string, body: Omit<Category, 'key' | 'updatedAt'>) =>
      api.call<Category>('PUT', `v1/categories/${encodeURIComponent(key)}`, {
        body,
        routeOptional: false,
      }),
  };
}

/** The one-click unsubscribe URL an outbox email carries (List-Unsubscribe), if any. */
export function unsubscribeLink(content: Record<string, unknown>): string | undefined {
  const headers = content.headers as Record<string, string> | undefined;
  const match = /^<(https?:\/\/[^>]+)>$/.exec(headers?.['List-Unsubscribe'] ?? '');
  return match?.[1];
}
