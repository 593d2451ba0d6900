import { Command } from 'commander';
import { subscribe } from './device-client';

// `npm run subscribe -- 'herald/#'`: a device on the local broker, printing what it receives.
const program = new Command()
  .name('subscribe')
  .description('Subscribe a device (aws-iot-device-sdk-v2, MQTT 3.1.1, QoS 1) to a topic filter')
  .argument('<filter>', "topic filter, e.g. 'herald/#'")
  .option('--url <url>', 'broker URL', `mqtt://127.0.0.1:${process.env.MQTT_PORT ?? '1883'}`)
  .parse();

const [filter] = program.args as [string];
const { url } = program.opts<{ url: string }>();

try {
  const subscription = await subscribe(url, filter, (topic, payload) => {
    console.log(`${new Date().toISOString()} ${topic} ${payload.toString('utf8')}`);
  });
  console.log(`Subscribed to ${filter} on ${url}. Ctrl-C to stop.`);
  const stop = () => {
    void subscription.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(`Could not subscribe to ${filter} on ${url}: ${String(error)}`);
  console.error(
    'Is `npm start` running? It serves MQTT on port 1883 unless MQTT_PORT says otherwise.',
  );
  process.exit(1);
}
