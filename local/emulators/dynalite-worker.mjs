// Runs dynalite on its own thread: DynamoDB emulation is the busiest part of the local stack,
// and on a 2-core machine it would otherwise share one event loop with every handler.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const dynalite = createRequire(import.meta.url)('dynalite');
// Tables become ACTIVE on the next tick instead of after dynalite's default 500 ms.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
server.on('error', (error) => parentPort?.postMessage({ error: String(error) }));
server.listen(workerData.port, workerData.host, () => {
  parentPort?.postMessage({ port: server.address().port });
});
