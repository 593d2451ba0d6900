// Entry of the Lambda thread (see lambda-thread.ts). A worker runs the parent's execArgv: under
// `tsx` (npm start, npm run bench) that already includes tsx's loader, under vitest it does not,
// so TypeScript support is registered here when extensionless imports do not resolve to .ts yet.
import { enableCompileCache } from 'node:module';

// Same on-disk code cache as local/start.ts: most of the thread's start-up is compiling the SDKs.
enableCompileCache?.();
let resolved = '';
try {
  resolved = import.meta.resolve('./lambda-worker');
} catch {}
if (!resolved.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./lambda-worker.ts');
