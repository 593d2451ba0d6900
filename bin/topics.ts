/**
 * `npm run topics -- add <key> <file> [--local | --url <api url>] [--key <key>]`: subscribes every
 * recipient id of the file (one a line, or a JSON array) to topic `key`, 1,000 a call, creating
 * the topic if needed; prints how many were subscribed and every id refused (no such recipient).
 * The API: --url, else HERALD_URL, else the running local stack. The key: --key, else
 * HERALD_API_KEY, else (local) the development key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { LOCAL_STATE_FILE, type LocalState } from '../local/state-file';
import { addSubscribers, parseIds } from './topic-import';

interface Flags {
  local?: boolean;
  url?: string;
  key?: string;
}

function target(flags: Flags): { url: string; key: string } {
  const key = flags.key ?? process.env.HERALD_API_KEY;
  const url = flags.local ? undefined : (flags.url ?? process.env.HERALD_URL);
  if (url) {
    if (!key) throw new Error('No API key: pass --key or set HERALD_API_KEY (send scope)');
    return { url: url.replace(/\/+$/, ''), key };
  }
  if (!existsSync(LOCAL_STATE_FILE)) {
    throw new Error(`No local stack found (${LOCAL_STATE_FILE}); start it with npm start`);
  }
  const state = JSON.parse(readFileSync(LOCAL_STATE_FILE, 'utf8')) as LocalState;
  const devKeyFile = join(process.cwd(), '.herald', 'data', 'dev-api-key');
  const local = key ?? (existsSync(devKeyFile) ? readFileSync(devKeyFile, 'utf8').trim() : '');
  if (!local) throw new Error('No API key: pass --key or set HERALD_API_KEY');
  return { url: state.url.replace(/\/+$/, ''), key: local };
}

const program = new Command('topics').description('Herald topics');
program
  .command('add <key> <file>')
  .description('subscribe the recipient ids of a file (one a line, or a JSON array) to a topic')
  .option('--local', 'the local stack (npm start)')
  .option('--url <url>', 'the API URL of a deployed stack (else HERALD_URL)')
  .option('--key <key>', 'an API key with the send (and, to create the topic, admin) scope')
  .action(async (key: string, file: string, flags: Flags) => {
    const ids = parseIds(readFileSync(file, 'utf8'));
    const started = Date.now();
    const result = await addSubscribers(target(flags), key, ids, {
      onProgress: (done) =>
        process.stderr.write(
          `\r${done.toLocaleString('en-US')} / ${ids.length.toLocaleString('en-US')}`,
        ),
    });
    process.stderr.write('\n');
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `${result.subscribed} subscribed to ${key} in ${seconds} s, ${result.refused.length} refused`,
    );
    for (const r of result.refused) console.log(`  ${r.id}: ${r.message}`);
    if (result.refused.length > 0) process.exitCode = 1;
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
