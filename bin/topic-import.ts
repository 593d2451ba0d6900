/**
 * The work of `npm run topics -- add`: subscribe every id of a file to a topic through the API,
 * 1,000 ids a call (the route's limit), creating the topic first when it does not exist.
 */

/** Ids from a file's text: a JSON array of strings, or one id a line (blank lines skipped). */
export function parseIds(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const value = JSON.parse(trimmed) as unknown;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new Error('a JSON file must hold an array of recipient ids (strings)');
    }
    return value;
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export interface AddResult {
  subscribed: number;
  refused: { id: string; message: string }[];
}

type Fetch = typeof fetch;

/** Subscribes `ids` to `key` in calls of `batch`; `onProgress` after each call. */
export async function addSubscribers(
  target: { url: string; key: string },
  key: string,
  ids: readonly string[],
  options: { batch?: number; fetch?: Fetch; onProgress?: (done: number) => void } = {},
): Promise<AddResult> {
  const call = options.fetch ?? fetch;
  const headers = { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' };
  const topicUrl = `${target.url}/v1/topics/${encodeURIComponent(key)}`;
  const existing = await call(`${topicUrl}/subscribers?limit=1`, { headers });
  if (existing.status === 404) {
    const created = await call(topicUrl, { method: 'PUT', headers, body: '{}' });
    if (!created.ok) throw new Error(`PUT ${topicUrl}: ${created.status} ${await created.text()}`);
  } else if (!existing.ok) {
    throw new Error(`GET ${topicUrl}/subscribers: ${existing.status} ${await existing.text()}`);
  }
  const batch = Math.min(options.batch ?? 1000, 1000);
  const result: AddResult = { subscribed: 0, refused: [] };
  for (let at = 0; at < ids.length; at += batch) {
    const answer = await call(`${topicUrl}/subscribers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ids: ids.slice(at, at + batch) }),
    });
    if (!answer.ok) throw new Error(`POST subscribers: ${answer.status} ${await answer.text()}`);
    const { results } = (await answer.json()) as {
      results: { id: string; status: string; errors?: { message: string }[] }[];
    };
    for (const r of results) {
      if (r.status === 'subscribed') result.subscribed += 1;
      else result.refused.push({ id: r.id, message: r.errors?.[0]?.message ?? 'refused' });
    }
    options.onProgress?.(Math.min(at + batch, ids.length));
  }
  return result;
}
