/**
 * `npm run recipients -- import <file.csv|file.jsonl> [--local | --stack <name>] [--key <key>]
 * [--batch 500] [--concurrency 4] [--restart]`: creates or updates recipient profiles through
 * POST /v1/recipients/batch, with a progress bar, a summary and every refused line (line number,
 * id, field, reason). Resumable: the last line done is kept in `<file>.import.json` and a re-run
 * goes on from there; rows are merged into profiles, so re-sending one gives the same result.
 * The key: --key, else HERALD_API_KEY, else (--local) the local stack's development key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { Command } from 'commander';
import { LOCAL_STATE_FILE, type LocalState } from '../local/state-file';
import { type ImportProgress, importRecipients } from './recipient-import';

interface ImportFlags {
  local?: boolean;
  stack?: string;
  key?: string;
  batch: string;
  concurrency: string;
  restart?: boolean;
}

async function target(flags: ImportFlags): Promise<{ url: string; key: string }> {
  const envKey = flags.key ?? process.env.HERALD_API_KEY;
  if (flags.local || !flags.stack) {
    if (!existsSync(LOCAL_STATE_FILE)) {
      throw new Error(`No local stack found (${LOCAL_STATE_FILE}); start it with npm start`);
    }
    const state = JSON.parse(readFileSync(LOCAL_STATE_FILE, 'utf8')) as LocalState;
    const devKeyFile = join(process.cwd(), '.herald', 'data', 'dev-api-key');
    const key = envKey ?? (existsSync(devKeyFile) ? readFileSync(devKeyFile, 'utf8').trim() : '');
    if (!key) throw new Error('No API key: pass --key or set HERALD_API_KEY');
    return { url: state.url.replace(/\/+$/, ''), key };
  }
  const answer = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: flags.stack }),
  );
  const url = answer.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ApiUrl')?.OutputValue;
  if (!url) throw new Error(`Stack ${flags.stack} has no ApiUrl output`);
  if (!envKey) throw new Error('No API key: pass --key or set HERALD_API_KEY (send scope)');
  return { url: url.replace(/\/+$/, ''), key: envKey };
}

function bar(p: ImportProgress, total: number | undefined): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.lines / p.elapsedMs) * 1000) : 0;
  const done = p.resumedFrom + p.lines;
  const share = total ? Math.min(1, done / total) : 0;
  const width = 30;
  const filled = Math.round(share * width);
  const head = total
    ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}% `
    : '';
  return `${head}${done.toLocaleString('en-US')} lines, ${rate.toLocaleString('en-US')}/s, ${p.failed} refused`;
}

const program = new Command('recipients').description('Herald recipient profiles');
program
  .command('import <file>')
  .description('create or update profiles from a CSV (header row) or JSON lines file')
  .option('--local', 'the stack started by npm start (default)')
  .option('--stack <name>', 'a deployed stack (its ApiUrl output)')
  .option('--key <key>', 'an API key with the send scope (else HERALD_API_KEY)')
  .option('--batch <n>', 'profiles per request (<= 1000)', '500')
  .option('--concurrency <n>', 'requests in flight', '4')
  .option('--restart', 'ignore the saved checkpoint and start from the first line')
  .action(async (file: string, flags: ImportFlags) => {
    const { url, key } = await target(flags);
    const total = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length;
    const tty = process.stderr.isTTY;
    let lastPrint = 0;
    const result = await importRecipients(file, {
      url,
      key,
      batchSize: Number(flags.batch),
      concurrency: Number(flags.concurrency),
      ...(flags.restart && { restart: true }),
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${bar(p, total)}   `);
        else if (Date.now() - lastPrint > 2_000) {
          lastPrint = Date.now();
          process.stderr.write(`${bar(p, total)}\n`);
        }
      },
      onError: (e) =>
        process.stdout.write(
          `line ${e.line}${e.id ? ` (${e.id})` : ''}: ${e.path ? `${e.path} ` : ''}${e.message}\n`,
        ),
    });
    if (tty) process.stderr.write('\n');
    const seconds = result.elapsedMs / 1000;
    const rate = seconds > 0 ? Math.round(result.lines / seconds) : 0;
    process.stdout.write(
      `${result.resumedFrom > 0 ? `resumed after line ${result.resumedFrom}; ` : ''}` +
        `${result.lines} lines in ${seconds.toFixed(1)} s (${rate}/s): ${result.created} created, ${result.updated} updated, ${result.failed} refused\n`,
    );
    if (result.failed > 0) process.exitCode = 2;
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
