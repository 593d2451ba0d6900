import * as z from 'zod/mini';
import { carriedBySqs, sqsRefusedCharacter } from '../../shared/json-safety';
import { MAX_MQTT_TOPIC_BYTES, MAX_MQTT_TOPIC_SLASHES } from './limits';
import type { ValidationOptions } from './options';

/*
 * Tenants do not share one MQTT topic space. Each publishes inside its own namespace,
 * `<mqttTopicPrefix><tenantId>/` (`herald/acme/`), and the topic a request names is always
 * relative to it: `devices/42` from tenant acme is published to `herald/acme/devices/42`, and
 * `herald/other/devices/42` to `herald/acme/herald/other/devices/42`, so no key reaches another
 * tenant's devices. The whole topic is what is stored as the delivery's recipient and published:
 * the sender stays tenant-agnostic, and IoT Core's limits are checked on the topic it will see.
 */

const encoder = new TextEncoder();
const bytes = (text: string): number => encoder.encode(text).length;
const slashes = (text: string): number => text.split('/').length - 1;

/**
 * Why this tenant id cannot name a namespace of its own, or undefined when it can. A `/` would
 * let tenant `a` write into tenant `a/b`'s namespace; `+` and `#` are wildcards, which a publish
 * topic (and the device policy naming the namespace) cannot hold.
 */
export function tenantNamespaceProblem(tenantId: string): string | undefined {
  if (tenantId === '') return 'is empty';
  const wildcard = /[/+#]/.exec(tenantId)?.[0];
  if (wildcard) return `contains ${JSON.stringify(wildcard)}`;
  const refused = sqsRefusedCharacter(tenantId);
  if (refused) return `contains the character ${refused}`;
  return undefined;
}

/** Where a caller's topics go: its namespace, or why it has none (a tenant id that cannot be one). */
export type MqttNamespace = { namespace: string } | { problem: string };

/**
 * The namespace of a request: the stack prefix and the tenant. Without a tenant (in-process
 * callers such as the bench) topics are relative to the stack prefix alone.
 */
export function mqttNamespace(options: Pick<ValidationOptions, 'mqttTopicPrefix' | 'tenantId'>) {
  const prefix = options.mqttTopicPrefix ?? '';
  if (options.tenantId === undefined) return { namespace: prefix };
  const problem = tenantNamespaceProblem(options.tenantId);
  if (problem) {
    return {
      problem: `cannot be published: this API key's tenant id ${problem}, so it has no MQTT namespace of its own (ask the operator for a key whose tenant id has no /, + or #)`,
    };
  }
  return { namespace: `${prefix}${options.tenantId}/` };
}

/**
 * A caller's topic: checked as the whole topic IoT Core will receive, and turned into it. A limit
 * the namespace takes part of is stated as what is left for the caller, naming the namespace.
 */
export function mqttTopic(options: Pick<ValidationOptions, 'mqttTopicPrefix' | 'tenantId'>) {
  const space: MqttNamespace = mqttNamespace(options);
  const namespace = 'namespace' in space ? space.namespace : '';
  const inNamespace = namespace === '' ? '' : ` in your namespace ${JSON.stringify(namespace)}`;
  const maxBytes = MAX_MQTT_TOPIC_BYTES - bytes(namespace);
  const maxSlashes = MAX_MQTT_TOPIC_SLASHES - slashes(namespace);
  return z.pipe(
    carriedBySqs(
      z
        .string()
        .check(
          z.minLength(1),
          z.describe(
            'relative to your namespace `<mqttTopicPrefix><tenantId>/`: `devices/42` from tenant acme is published to `herald/acme/devices/42`',
          ),
        ),
    ).check(
      z.superRefine((topic: string, ctx) => {
        const problem = (message: string) =>
          ctx.addIssue({ code: 'custom', message, input: topic });
        if ('problem' in space) return problem(space.problem);
        const whole = `${namespace}${topic}`;
        if (bytes(whole) > MAX_MQTT_TOPIC_BYTES) {
          problem(`must be at most ${maxBytes} bytes (UTF-8)${inNamespace}`);
        }
        // Wildcards subscribe; a publish to them is a protocol error that IoT Core rejects.
        if (/[+#]/.test(topic)) problem('must not contain MQTT wildcards + or #');
        if (whole.startsWith('$')) problem('must not start with $ (reserved for the broker)');
        if (topic.includes('\u0000')) problem('must not contain the null character');
        if (slashes(whole) > MAX_MQTT_TOPIC_SLASHES) {
          problem(`must have at most ${maxSlashes} slashes${inNamespace} (AWS IoT limit)`);
        }
      }),
    ),
    z.transform((topic: string) => `${namespace}${topic}`),
  );
}
