import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import * as z from 'zod/mini';
import {
  parseTwilioCallbackForm,
  TWILIO_STATUS_PATH,
  type TwilioCallbackForm,
  twilioStatusCallbackUrl,
} from '../../adapters/providers/sms/twilio-callback';
import { twilioStatusReport } from '../../adapters/providers/sms/twilio-status';
import { applyProviderReport } from '../../core/delivery/report';
import { parseEnv } from '../../runtime/config';
import { HttpError, header } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { loadTenantProviderConfig } from '../../runtime/tenant-provider-config';
import { createCallbackTokens } from '../../runtime/tenant-providers';
import { type ApiRoute, config, logger, store, suppressions } from './context';

const settings = parseEnv(
  z.object({
    TWILIO_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
    TWILIO_STATUS_CALLBACK_URL: z.optional(z.url()),
  }),
  process.env,
);

const callbackToken = createCallbackTokens(loadTenantProviderConfig(), config.tableName);

/** The account's auth token, from the Twilio secret (Powertools cache, 5 minutes). */
async function authToken(secretId: string): Promise<string> {
  const secret = (await getSecret(secretId, { transform: 'json', maxAge: 300 })) as
    | { authToken?: unknown }
    | undefined;
  if (typeof secret?.authToken !== 'string') throw new Error(`Secret ${secretId} has no authToken`);
  return secret.authToken;
}

function callbackForm(event: APIGatewayProxyEvent): TwilioCallbackForm {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return parseTwilioCallbackForm(text);
}

/**
 * POST /v1/providers/twilio/status: Twilio's delivery reports. No API key (Twilio has none to
 * send): the X-Twilio-Signature over the exact callback URL and the form is the proof, checked
 * against the account's auth token; anything that does not verify is a 403 and changes nothing.
 */
export const twilioStatusRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: TWILIO_STATUS_PATH,
    // No key: the X-Twilio-Signature below is the proof.
    access: 'public',
    doc: {
      summary: 'Twilio message status callback',
      description:
        'Called by Twilio, not by clients: form-encoded MessageStatus/ErrorCode, query n (notification), d (delivery), t (tenant) as Herald set them in StatusCallback. Verified by X-Twilio-Signature against the account auth token.',
      tag: 'providers',
      responses: {
        204: { description: 'Recorded (or nothing to record)', schema: null },
        403: { description: 'The signature does not verify', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const { TWILIO_SECRET_ID: secretId, TWILIO_STATUS_CALLBACK_URL: base } = settings;
      if (!secretId || !base) throw new HttpError(404, 'Twilio is not configured');
      const query = event.queryStringParameters ?? {};
      const ids = {
        notificationId: query.n ?? '',
        deliveryId: query.d ?? '',
        tenantId: query.t ?? '',
      };
      const { signed, fields: params } = callbackForm(event);
      const url = twilioStatusCallbackUrl(base, ids);
      const signature = header(event, 'x-twilio-signature') ?? '';
      // The token of the account that sent: the tenant's own Twilio account, else the stack's.
      const token = await callbackToken(() => authToken(secretId), ids.tenantId, params.AccountSid);
      if (!validateRequest(token, signature, url, signed)) {
        logger.warn('Twilio callback with a bad signature', { deliveryId: ids.deliveryId });
        throw new HttpError(403, 'Invalid X-Twilio-Signature');
      }
      if (!ids.notificationId || !ids.deliveryId || !ids.tenantId) {
        throw new HttpError(400, 'The callback URL is missing n, d or t');
      }
      logger.setCorrelationId(ids.notificationId);
      const report = twilioStatusReport(params, ids, Date.now());
      if (report) {
        const result = await applyProviderReport({ store, suppressions }, report);
        const log = result.result === 'unknown' ? logger.warn : logger.info;
        log.call(logger, `Twilio report ${result.result}`, {
          deliveryId: ids.deliveryId,
          source: report.source,
          ...(result.result !== 'unknown' && {
            status: result.status,
            suppressed: result.suppressed,
          }),
        });
      }
      // Twilio only needs a 2xx; anything else makes it retry the callback.
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
];
