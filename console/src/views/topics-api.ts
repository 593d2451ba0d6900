/*
 * The topic routes as the console calls them (through the shared client's `call`), and the
 * shapes they answer: topics, their subscribers (cursor-paged ids), a topic send's fan-out.
 */
import type { Api, Page } from '../api';

export interface Topic {
  key: string;
  name?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SubscribeResult {
  id: string;
  status: 'subscribed' | 'error';
  errors?: { path: string; message: string }[];
}

/** A topic send's progress (GET /v1/notifications/{id} of a send to `{topic}`). */
export interface Fanout {
  topic: string;
  status: 'running' | 'done' | 'cancelled';
  total: number;
  enqueued: number;
  skipped: number;
  done: boolean;
}

export interface TopicSend {
  id: string;
  status: string;
  fanout: Fanout;
}

const at = (key: string) => `v1/topics/${encodeURIComponent(key)}`;
const page = (cursor: string | undefined, limit: number) =>
  `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/** Subscribers the console reads a page at a time, and at most when counting them all. */
export const SUBSCRIBER_PAGE = 50;
const COUNT_PAGE = 1000;

export function topicApi(api: Api) {
  return {
    list: (cursor?: string) => api.call<Page<Topic>>('GET', `v1/topics${page(cursor, 50)}`),
    put: (key: string, name?: string) =>
      api.call<Topic>('PUT', at(key), { body: name ? { name } : {}, routeOptional: false }),
    subscribers: (key: string, cursor?: string, limit = SUBSCRIBER_PAGE) =>
      api.call<Page<string>>('GET', `${at(key)}/subscribers${page(cursor, limit)}`, {
        routeOptional: false,
      }),
    subscribe: (key: string, ids: string[]) =>
      api.call<{ results: SubscribeResult[] }>('POST', `${at(key)}/subscribers`, {
        body: { ids },
        routeOptional: false,
      }),
    unsubscribe: (key: string, id: string) =>
      api.call<unknown>('DELETE', `${at(key)}/subscribers/${encodeURIComponent(id)}`, {
        routeOptional: false,
      }),
    /**
     * Every subscriber counted, 1,000 a request (there is no stored count): `onPage` gets the
     * running total; stops when `stopped()` says so (then the count is a lower bound).
     */
    async count(key: string, onPage: (n: number) => void, stopped: () => boolean) {
      let n = 0;
      let cursor: string | undefined;
      do {
        const answer = await api.call<Page<string>>(
          'GET',
          `${at(key)}/subscribers${page(cursor, COUNT_PAGE)}`,
          { routeOptional: false },
        );
        n += answer.items.length;
        cursor = answer.nextCursor;
        onPage(n);
      } while (cursor && !stopped());
      return { count: n, complete: !cursor };
    },
    send: (key: string, channels: Record<string, Record<string, string>>) =>
      api.call<TopicSend>('POST', 'v1/notifications', {
        body: { to: { topic: key }, channels },
        routeOptional: false,
      }),
    progress: (id: string) =>
      api.call<TopicSend>('GET', `v1/notifications/${encodeURIComponent(id)}?limit=1`, {
        routeOptional: false,
      }),
  };
}
