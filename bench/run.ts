import { cpus } from 'node:os';
import { startLocalStack } from '../local/stack';
import { benchIngest, benchList } from './api-requests';
import { benchBundles } from './bundles';
import { benchCost } from './cost';
import { benchIdempotency, benchReplay } from './dlq-idempotency';
import { benchEndToEnd } from './end-to-end';
import { benchEvents } from './events';
import { benchGuarantees } from './guarantees';
import { benchBatchLatency, benchPriorityLane, benchScheduling } from './latency';
import { benchFailover, benchSendRates } from './providers';
import { benchPushThroughput } from './push-throughput';
import { benchRecipients } from './recipients';
import { countSdkRequests } from './sdk-counter';
import { quiet, servicesOf } from './support';
import { benchTemplates } from './templates';
import { benchCeiling, benchOwnCpu } from './throughput';
import { benchTopics } from './topics';
import { benchWorkflows } from './workflows';
import { benchWrites } from './writes';

/** `npm run bench [section]`: every section in turn, or only the one named. */
async function main() {
  console.log(
    `Herald benchmark — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
  );
  // Endpoints are the same for every stack in this process (ports are pinned by the first).
  const probe = await startLocalStack({ port: 0, log: quiet, pollers: false });
  const counter = countSdkRequests(servicesOf(probe));
  await probe.stop();

  const only = process.argv[2];
  const sections: Record<string, () => Promise<void>> = {
    ingest: () => benchIngest(counter),
    list: () => benchList(counter),
    e2e: async () => {
      await benchCeiling(await benchEndToEnd(counter));
    },
    own: benchOwnCpu,
    batch: benchBatchLatency,
    priority: benchPriorityLane,
    scheduling: benchScheduling,
    events: benchEvents,
    replay: () => benchReplay(counter),
    idempotency: benchIdempotency,
    bundles: benchBundles,
    rates: () => benchSendRates(counter),
    failover: benchFailover,
    'push-rate': benchPushThroughput,
    templates: benchTemplates,
    topics: benchTopics,
    recipients: () => benchRecipients(counter),
    guarantees: () => benchGuarantees(counter),
    cost: async () => {
      await benchCost(counter);
    },
    workflows: () => benchWorkflows(counter),
    writes: () => benchWrites(counter),
  };
  for (const [name, run] of Object.entries(sections)) {
    if (only && only !== name) continue;
    await run();
  }
  console.log(
    `\nPeak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
