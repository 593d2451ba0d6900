import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { readBody } from '../emulators/net';
import { Faults } from './faults';
import type { FailureInjector, Outbox } from './outbox';

/** Where the broker records and how it decides to fail; ports default to random. */
export interface MqttFakeOptions {
  outbox: Outbox;
  failures: FailureInjector;
  /** Outages and latency set through `/_local/faults`; none when absent. */
  faults?: Faults;
  host?: string;
  mqttPort?: number;
  httpPort?: number;
}

/** A running broker: subscribers use `mqttUrl`; AWS_ENDPOINT_URL_IOT_DATA_PLANE = `dataPlaneUrl`. */
export interface RunningMqttFake {
  dataPlaneUrl: string;
  mqttUrl: string;
  mqttPort: number;
  close(): Promise<void>;
}

const TOPIC_PATH = /^\/topics\/(.+)$/;

/**
 * An aedes MQTT 3.1.1 broker plus a shim of the IoT Core data-plane `Publish` operation
 * (`POST /topics/{topic}?qos=N`, raw payload), so the real IoTDataPlaneClient publishes to
 * local subscribers. Errors use the REST-JSON shape the SDK parses (`x-amzn-ErrorType`).
 */
export async function startMqtt(options: MqttFakeOptions): Promise<RunningMqttFake> {
  const {
    outbox,
    failures,
    faults = new Faults(),
    host = '127.0.0.1',
    mqttPort = 0,
    httpPort = 0,
  } = options;
  const broker = await Aedes.createBroker();
  const mqttServer = net.createServer(broker.handle);

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      iotError(res, 500, 'InternalFailureException', String(err)),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const payload = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const encodedTopic = TOPIC_PATH.exec(url.pathname)?.[1];
    if (encodedTopic === undefined) {
      return iotError(res, 404, 'ResourceNotFoundException', `No such resource ${url.pathname}`);
    }
    if (req.method !== 'POST') {
      return iotError(res, 405, 'MethodNotAllowedException', `${req.method} is not allowed`);
    }
    const topic = decodeURIComponent(encodedTopic);
    const qos = Number(url.searchParams.get('qos') ?? '0');
    if (qos !== 0 && qos !== 1) {
      return iotError(res, 400, 'InvalidRequestException', 'QoS must be 0 or 1');
    }
    if (topic.includes('#') || topic.includes('+') || topic.startsWith('$')) {
      return iotError(res, 400, 'InvalidRequestException', `Invalid topic name ${topic}`);
    }

    if (faults.outage('mqtt')) {
      await faults.delay('mqtt');
      // What the IoT data plane answers while it is down (HTTP 503).
      return iotError(res, 503, 'ServiceUnavailableException', 'Service Unavailable');
    }
    const failure = failures.next('mqtt', topic);
    if (failure === 'permanent') {
      return iotError(res, 400, 'InvalidRequestException', `Publish to ${topic} was rejected`);
    }
    if (failure === 'transient') return iotError(res, 429, 'ThrottlingException', 'Rate exceeded');

    await new Promise<void>((resolve, reject) =>
      broker.publish(
        {
          cmd: 'publish',
          topic,
          payload,
          qos,
          retain: url.searchParams.get('retain') === 'true',
          dup: false,
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    outbox.add({
      channel: 'mqtt',
      recipient: topic,
      content: { payload: payload.toString('utf8'), qos },
      // IoT Core gives a publish no id; the fake makes one so the Outbox entry can be named.
      providerMessageId: randomUUID(),
    });
    await faults.delay('mqtt', { response: res, recipient: topic });
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
    res.end('{}');
  }

  await new Promise<void>((resolve) => mqttServer.listen(mqttPort, host, resolve));
  httpServer.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => httpServer.listen(httpPort, host, resolve));
  const boundMqtt = (mqttServer.address() as AddressInfo).port;
  const boundHttp = (httpServer.address() as AddressInfo).port;

  return {
    dataPlaneUrl: `http://${host}:${boundHttp}`,
    mqttUrl: `mqtt://${host}:${boundMqtt}`,
    mqttPort: boundMqtt,
    close: async () => {
      httpServer.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => httpServer.close(() => resolve())),
        // Closing the broker disconnects its clients, which lets the TCP server finish closing.
        new Promise<void>((resolve) => broker.close(() => resolve())),
        new Promise<void>((resolve) => mqttServer.close(() => resolve())),
      ]);
    },
  };
}

function iotError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(JSON.stringify({ message }));
}
