import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { ChannelProvider, ProviderReceipt, SendOptions } from '../../../core/delivery/ports';
import type { OutboundMessage } from '../../../core/notifications/model';
import { classifyAwsError, type ErrorCodeTable } from '../classify';

/*
 * Unauthorized/Forbidden mean our role or policy is wrong, not the topic: transient, so the
 * message is retried (see classify.ts) while the operator fixes the policy.
 */
const IOT_ERRORS: ErrorCodeTable = {
  permanent: new Set([
    'InvalidRequestException',
    'RequestEntityTooLargeException',
    'MethodNotAllowedException',
    'UnsupportedDocumentEncodingException',
  ]),
  transient: new Set([
    'ThrottlingException',
    'ServiceUnavailableException',
    'InternalFailureException',
    'GatewayTimeoutException',
    'UnauthorizedException',
    'ForbiddenException',
  ]),
};

const encoder = new TextEncoder();

/** MQTT publish through the AWS IoT Core data plane; the recipient is the topic. */
export class IotMqttProvider implements ChannelProvider<'mqtt'> {
  readonly channel = 'mqtt' as const;

  constructor(private readonly client: IoTDataPlaneClient = new IoTDataPlaneClient({})) {}

  async send(message: OutboundMessage<'mqtt'>, options: SendOptions): Promise<ProviderReceipt> {
    const command = new PublishCommand({
      topic: message.recipient,
      qos: message.content.qos,
      payload: encoder.encode(message.content.payload),
    });
    try {
      await this.client.send(command, { abortSignal: options.signal });
      // IoT Core assigns no message id to a publish; the delivery id is the only handle.
      return {};
    } catch (err) {
      throw classifyAwsError(err, IOT_ERRORS);
    }
  }
}
