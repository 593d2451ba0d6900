import { createHash } from 'node:crypto';

/** A stable, opaque event id from the parts that identify one change. */
export function eventId(...parts: Array<string | number>): string {
  return `evt_${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 26)}`;
}
