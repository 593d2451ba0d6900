import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import {
  WEBHOOK_RESPONSE_CHARS,
  WEBHOOK_TIMEOUT_MS,
  type WebhookMessage,
  type WebhookRecord,
} from '../../core/webhooks/model';
import type { EndpointResponse, WebhookEndpoint } from '../../core/webhooks/ports';
import { guardedLookup, type UrlPolicy } from './url-guard';

/**
 * Standard Webhooks headers for one event: `webhook-id` is the event id (the same on every
 * retry, so receivers can drop duplicates), `webhook-timestamp` in seconds, and one `v1,<sig>`
 * per live secret (the previous one too, for a day after a rotation).
 */
export function signedHeaders(
  webhook: Pick<WebhookRecord, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>,
  eventId: string,
  body: string,
  now: number,
): Record<string, string> {
  const timestamp = new Date(Math.floor(now / 1000) * 1000);
  const secrets = [webhook.secret];
  if (webhook.previousSecret && (webhook.previousSecretExpiresAt ?? 0) > now) {
    secrets.push(webhook.previousSecret);
  }
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': secrets
      .map((secret) => new Webhook(secret).sign(eventId, timestamp, body))
      .join(' '),
  };
}

/**
 * POSTs events with node's http client: no redirects are followed (a 3xx is a failed attempt),
 * the whole exchange is bounded by WEBHOOK_TIMEOUT_MS, at most WEBHOOK_RESPONSE_CHARS of the
 * answer are kept, and connections go only to addresses the policy allows.
 */
export class HttpWebhookEndpoint implements WebhookEndpoint {
  constructor(
    private readonly policy: UrlPolicy,
    private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
  ) {}

  post(webhook: WebhookRecord, message: WebhookMessage, now: number): Promise<EndpointResponse> {
    const body = JSON.stringify(message.event);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Herald-Webhooks/1',
      ...signedHeaders(webhook, message.event.id, body, now),
    };
    const url = new URL(webhook.url);
    const client = url.protocol === 'https:' ? https : http;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (response: Omit<EndpointResponse, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        resolve({ ...response, durationMs: elapsed() });
      };
      const request = client.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: false,
          ...(this.policy.allowPrivateNetworks ? {} : { lookup: guardedLookup }),
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (piece: string) => {
            text += piece;
            if (text.length >= WEBHOOK_RESPONSE_CHARS) {
              finish({
                statusCode: response.statusCode ?? 0,
                body: text.slice(0, WEBHOOK_RESPONSE_CHARS),
              });
            }
          });
          response.on('end', () => finish({ statusCode: response.statusCode ?? 0, body: text }));
          response.on('error', () => finish({ statusCode: response.statusCode ?? 0, body: text }));
        },
      );
      const timer = setTimeout(
        () => finish({ error: `no answer within ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish({ error: `${error.code ?? error.name}: ${error.message}`.slice(0, 256) }),
      );
      request.end(body);
    });
  }
}
