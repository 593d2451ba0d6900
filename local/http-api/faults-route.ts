import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Faults, faultRequestSchema } from '../fakes/faults';
import { readBody, sendJson } from './responses';

/** `GET` shows what is set, `POST` sets or clears one channel's faults, `DELETE` clears all. */
export async function faultsRoute(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  faults: Faults,
): Promise<void> {
  if (method === 'GET') return sendJson(res, 200, faults.list());
  if (method === 'DELETE') {
    faults.clear();
    return sendJson(res, 200, faults.list());
  }
  if (method !== 'POST') {
    res.setHeader('allow', 'GET, POST, DELETE');
    return sendJson(res, 405, { message: 'Method Not Allowed' });
  }
  const body = await readBody(req, res);
  if (body === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return sendJson(res, 400, { message: 'The body must be JSON', errors: [] });
  }
  const result = faultRequestSchema.safeParse(parsed);
  if (!result.success) {
    return sendJson(res, 400, {
      message: 'Invalid fault',
      errors: result.error.issues.flatMap((issue) =>
        // An unknown field is reported at its own path, not at the object holding it.
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: key, message: 'Unknown field' }))
          : [{ path: issue.path.join('.'), message: issue.message }],
      ),
    });
  }
  faults.apply(result.data);
  sendJson(res, 200, faults.list());
}
