import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';

/** One line of the journal: a record, the records settled, or the sequence reached. */
type Entry = { r: DynamoDBRecord } | { d: string[] } | { n: number };

/** Settled lines a journal may gather before it is rewritten while idle. */
const COMPACT_AFTER_LINES = 1_000;

/**
 * The local DynamoDB Stream's records on disk: each record is appended before it can be handed
 * over, and its sequence number once it was handled or given up on. Opening a journal keeps only
 * the records still open (in their order) and drops a line a crash cut short. Appends go
 * straight to the file descriptor (no buffer in this process), so a killed process loses none.
 */
export class StreamJournal {
  private lines: number;

  private constructor(
    private readonly file: string,
    private fd: number,
    private sequence: number,
    private readonly open: DynamoDBRecord[],
  ) {
    this.lines = open.length + 1;
  }

  static open(file: string): StreamJournal {
    mkdirSync(dirname(file), { recursive: true });
    const records = new Map<string, DynamoDBRecord>();
    let sequence = 0;
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const line of text.split('\n')) {
      const entry = parse(line);
      if (!entry) continue;
      if ('r' in entry) {
        const id = entry.r.dynamodb?.SequenceNumber ?? '';
        records.set(id, entry.r);
        sequence = Math.max(sequence, Number(id) || 0);
      } else if ('d' in entry) {
        for (const id of entry.d) records.delete(id);
      } else sequence = Math.max(sequence, entry.n);
    }
    const open = [...records.values()];
    rewrite(file, sequence, open);
    return new StreamJournal(file, openSync(file, 'a'), sequence, open);
  }

  /** Records a previous run left unhandled, oldest first. */
  pending(): DynamoDBRecord[] {
    return this.open.splice(0);
  }

  /** The next record's SequenceNumber, growing across restarts. */
  nextSequenceNumber(): string {
    this.sequence += 1;
    return String(this.sequence).padStart(21, '0');
  }

  append(record: DynamoDBRecord): void {
    this.write({ r: record });
  }

  settled(sequenceNumbers: string[]): void {
    if (sequenceNumbers.length > 0) this.write({ d: sequenceNumbers });
  }

  /** With nothing open: start the file over, keeping only the sequence reached. */
  compact(): void {
    if (this.lines < COMPACT_AFTER_LINES) return;
    closeSync(this.fd);
    rewrite(this.file, this.sequence, []);
    this.fd = openSync(this.file, 'a');
    this.lines = 1;
  }

  close(): void {
    closeSync(this.fd);
  }

  private write(entry: Entry): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    this.lines += 1;
  }
}

function parse(line: string): Entry | undefined {
  if (line === '') return undefined;
  try {
    return JSON.parse(line) as Entry;
  } catch {
    return undefined; // the last line, cut by a crash mid-write
  }
}

/** Replace the file in one step (write aside, rename), so a crash leaves the old or the new. */
function rewrite(file: string, sequence: number, open: DynamoDBRecord[]): void {
  const lines = [{ n: sequence }, ...open.map((r) => ({ r }))];
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, lines.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  renameSync(temporary, file);
}
