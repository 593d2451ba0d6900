import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/*
 * The rows of an import file, one profile each, with their line numbers: JSON lines (each line
 * `{ id, ...profile }` as in POST /v1/recipients/batch) or CSV with a header row. CSV columns:
 * id, name, email | emails, phone | phones (several separated by `;`), timezone, locale,
 * pushToken (`;`-separated), slackChannel, slackUserId, mqttTopic, and attr.<name> for attributes.
 */

export type Row =
  | { line: number; profile: Record<string, unknown> }
  | { line: number; error: string };

/** Splits one CSV record (RFC 4180 quotes, `""` for a quote); undefined if a quote is open. */
export function splitCsv(text: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  if (quoted) return undefined;
  cells.push(cell);
  return cells;
}

const list = (value: string) =>
  value
    .split(';')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** One CSV row as a profile (empty cells are left out, so an upsert keeps what it had). */
export function csvProfile(header: readonly string[], cells: readonly string[]) {
  const profile: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  header.forEach((name, n) => {
    const value = (cells[n] ?? '').trim();
    if (value === '') return;
    if (name === 'email' || name === 'emails') profile.emails = list(value);
    else if (name === 'phone' || name === 'phones') profile.phones = list(value);
    else if (name === 'pushToken' || name === 'pushTokens')
      profile.pushTokens = list(value).map((token) => ({ token }));
    else if (name === 'slackChannel') profile.slack = { channel: value };
    else if (name === 'slackUserId') profile.slack = { userId: value };
    else if (name === 'mqttTopic') profile.mqtt = { topic: value };
    else if (name.startsWith('attr.')) attributes[name.slice(5)] = value;
    else profile[name] = value;
  });
  if (Object.keys(attributes).length > 0) profile.attributes = attributes;
  return profile;
}

/** Every row of `file` after line `skip`, in order. */
export async function* readRows(file: string, skip = 0): AsyncGenerator<Row> {
  const csv = file.toLowerCase().endsWith('.csv');
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let header: string[] | undefined;
  let line = 0;
  let pending = '';
  let startLine = 0;
  for await (const text of lines) {
    line++;
    if (csv) {
      // A quoted cell may hold line breaks: gather until the quotes close.
      if (pending === '') startLine = line;
      pending = pending === '' ? text : `${pending}\n${text}`;
      const cells = splitCsv(pending);
      if (!cells) continue;
      pending = '';
      if (!header) {
        header = cells.map((h) => h.trim());
        if (!header.includes('id')) throw new Error(`${file}: the CSV header has no id column`);
        continue;
      }
      if (startLine <= skip || cells.every((c) => c.trim() === '')) continue;
      yield { line: startLine, profile: csvProfile(header, cells) };
      continue;
    }
    if (line <= skip || text.trim() === '') continue;
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        yield { line, error: 'must be a JSON object' };
      } else yield { line, profile: value as Record<string, unknown> };
    } catch (error) {
      yield { line, error: `not JSON: ${(error as Error).message}` };
    }
  }
  if (pending !== '') yield { line: startLine, error: 'a quoted CSV cell is never closed' };
}
