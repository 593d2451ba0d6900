import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { type Row, readRows } from './recipient-rows';

/*
 * Imports recipients through POST /v1/recipients/batch: the same validation, merge and tenant
 * scoping as the API. Batches go out a few at a time; after each batch that completes the run
 * (and every batch before it), the last line done is kept in `<file>.import.json`, so a re-run
 * goes on from there. Upserts are merges: sending a row twice gives the same profile, so a batch
 * in flight when the run stopped is simply sent again (same ids, same result).
 */

export interface ImportOptions {
  /** The API's base URL (no trailing slash). */
  url: string;
  key: string;
  /** Profiles per request (<= 1,000; the request body is also kept under ~400 KB). */
  batchSize?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Start from the first line, ignoring a saved checkpoint. */
  restart?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  onError?: (error: LineError) => void;
}

export interface LineError {
  line: number;
  id?: string;
  path: string;
  message: string;
}

export interface ImportProgress {
  lines: number;
  created: number;
  updated: number;
  failed: number;
  resumedFrom: number;
  elapsedMs: number;
}

interface Checkpoint {
  size: number;
  mtimeMs: number;
  linesDone: number;
}

const MAX_BODY_BYTES = 400_000;
const RETRIES = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Batch = { items: Record<string, unknown>[]; lines: number[]; last: number };

async function post(options: ImportOptions, batch: Batch) {
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    try {
      const response = await fetch(`${options.url}/v1/recipients/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ items: batch.items }),
      });
      status = response.status;
      const body = (await response.json()) as Record<string, unknown>;
      if (status === 200) return body as { results: ImportResult[] };
      // A refused envelope (401, 403, 400 on the whole body) will not get better by retrying.
      if (status < 500 && status !== 429) {
        throw new Error(`POST /v1/recipients/batch answered ${status}: ${JSON.stringify(body)}`);
      }
    } catch (error) {
      if (status !== 0 && status < 500 && status !== 429) throw error;
      if (attempt >= RETRIES) throw error;
    }
    if (attempt >= RETRIES) throw new Error(`POST /v1/recipients/batch kept answering ${status}`);
    await sleep(250 * 2 ** attempt);
  }
}

type ImportResult =
  | { id: string; status: 'created' | 'updated' }
  | { id: string; status: 'error'; errors: { path: string; message: string }[] };

const checkpointPath = (file: string) => `${file}.import.json`;

async function loadCheckpoint(file: string, restart: boolean): Promise<number> {
  const path = checkpointPath(file);
  if (restart || !existsSync(path)) return 0;
  const saved = JSON.parse(await readFile(path, 'utf8')) as Checkpoint;
  const now = await stat(file);
  // The file changed since: its line numbers mean something else now.
  if (saved.size !== now.size || saved.mtimeMs !== now.mtimeMs) return 0;
  return saved.linesDone;
}

/** Runs the import; resolves with the totals (per-line errors went to onError). */
export async function importRecipients(file: string, options: ImportOptions) {
  const started = Date.now();
  const resumedFrom = await loadCheckpoint(file, options.restart ?? false);
  const info = await stat(file);
  const progress: ImportProgress = {
    lines: 0,
    created: 0,
    updated: 0,
    failed: 0,
    resumedFrom,
    elapsedMs: 0,
  };
  const report = (error: LineError) => {
    progress.failed++;
    options.onError?.(error);
  };
  const size = Math.min(options.batchSize ?? 500, 1_000);
  const concurrency = options.concurrency ?? 4;
  // Batches in order; the checkpoint only moves past a batch once every earlier one is done.
  const inFlight: { last: number; done: Promise<void>; finished: boolean }[] = [];
  let saved = resumedFrom;
  const advance = async () => {
    while (inFlight[0]?.finished) saved = (inFlight.shift() as { last: number }).last;
    const checkpoint: Checkpoint = { size: info.size, mtimeMs: info.mtimeMs, linesDone: saved };
    await writeFile(checkpointPath(file), JSON.stringify(checkpoint));
  };
  const send = (batch: Batch) => {
    const entry = { last: batch.last, finished: false, done: Promise.resolve() };
    entry.done = post(options, batch).then(async ({ results }) => {
      results.forEach((result, n) => {
        const line = batch.lines[n] ?? 0;
        if (!('errors' in result)) {
          if (result.status === 'created') progress.created++;
          else progress.updated++;
          return;
        }
        progress.failed++;
        for (const e of result.errors) {
          options.onError?.({
            line,
            id: result.id,
            path: e.path.replace(/^items\[\d+\]\.?/, ''),
            message: e.message,
          });
        }
      });
      progress.lines += batch.lines.length;
      progress.elapsedMs = Date.now() - started;
      options.onProgress?.({ ...progress });
      entry.finished = true;
      await advance();
    });
    // Awaited below; a failure stops the run (the checkpoint stays before it).
    entry.done.catch(() => undefined);
    inFlight.push(entry);
    return entry.done;
  };
  let batch: Batch = { items: [], lines: [], last: resumedFrom };
  let bytes = 0;
  const running = new Set<Promise<void>>();
  const flush = async () => {
    if (batch.items.length === 0) return;
    const promise = send(batch);
    running.add(promise);
    promise.finally(() => running.delete(promise)).catch(() => undefined);
    batch = { items: [], lines: [], last: batch.last };
    bytes = 0;
    if (running.size >= concurrency) await Promise.race(running);
  };
  for await (const row of readRows(file, resumedFrom) as AsyncGenerator<Row>) {
    if ('error' in row) {
      report({ line: row.line, path: '', message: row.error });
      progress.lines++;
      continue;
    }
    const text = JSON.stringify(row.profile);
    if (batch.items.length >= size || bytes + text.length > MAX_BODY_BYTES) await flush();
    batch.items.push(row.profile);
    batch.lines.push(row.line);
    batch.last = row.line;
    bytes += text.length + 1;
  }
  await flush();
  await Promise.all(inFlight.map((e) => e.done));
  await advance();
  progress.elapsedMs = Date.now() - started;
  return progress;
}
