import {
  type Block,
  type KnownBlock,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import type { ChannelProvider, ProviderReceipt, SendOptions } from '../../../core/delivery/ports';
import type { OutboundMessage } from '../../../core/notifications/model';
import { PROVIDER_TIMEOUT_MS } from '../../../core/notifications/model';
import { ProviderError } from '../../../core/shared/errors';
import { classifyNetworkError, errorMessage, unknownProviderError } from '../classify';

/** Settings for SlackProvider: a bot token and, for the local fake, the API base URL. */
export interface SlackConfig {
  botToken: string;
  /** Must end in `/api/`; defaults to Slack's own. */
  apiUrl?: string;
}

/** Errors about this message or this channel: retrying cannot help. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_attachments',
  'too_many_attachments',
  'cannot_reply_to_message',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'duplicate_channel_not_found',
  'user_not_found',
]);

/*
 * Token and app problems (invalid_auth, not_authed, token_revoked, token_expired,
 * account_inactive, missing_scope, no_permission...) are not listed: like every unknown code
 * they are transient, because the operator must fix the app (see classify.ts).
 */

/** Slack messages through `chat.postMessage`; the recipient is a channel id or name. */
export class SlackProvider implements ChannelProvider<'slack'> {
  readonly channel = 'slack' as const;
  private readonly client: WebClient;

  constructor(config: SlackConfig, client?: WebClient) {
    this.client =
      client ??
      new WebClient(config.botToken, {
        ...(config.apiUrl !== undefined && { slackApiUrl: config.apiUrl }),
        // SQS owns retries and backoff: the SDK must neither retry nor sleep through a 429
        // inside a Lambda invocation, so rate limits surface at once with their Retry-After.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        // Each request gets AbortSignal.timeout(timeout) inside the SDK: a real abort, at the same
        // moment as the deliver use-case's own signal (the SDK takes no per-call signal).
        timeout: PROVIDER_TIMEOUT_MS,
        logLevel: LogLevel.ERROR,
      });
  }

  async send(message: OutboundMessage<'slack'>, _options: SendOptions): Promise<ProviderReceipt> {
    const { text, blocks } = message.content;
    try {
      const result = await this.client.chat.postMessage({
        channel: message.recipient,
        text,
        // Block Kit JSON was validated at the API edge; the SDK's types are only a hint here.
        ...(blocks !== undefined && { blocks: blocks as (KnownBlock | Block)[] }),
      });
      return result.ts === undefined ? {} : { providerMessageId: result.ts };
    } catch (err) {
      throw classifySlackError(err);
    }
  }
}

function classifySlackError(err: unknown): ProviderError {
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    const kind = PERMANENT.has(code) ? 'permanent' : 'transient';
    return new ProviderError(kind, code, `Slack chat.postMessage failed: ${code}`, { cause: err });
  }
  if (err instanceof WebAPIRateLimitedError) {
    return new ProviderError('transient', 'ratelimited', errorMessage(err), {
      cause: err,
      retryAfterSeconds: err.retryAfter,
    });
  }
  if (err instanceof WebAPIHTTPError) {
    return new ProviderError('transient', `http_${err.statusCode}`, errorMessage(err), {
      cause: err,
    });
  }
  if (err instanceof WebAPIRequestError) {
    return classifyNetworkError(err.original) ?? unknownProviderError(err, 'request_error');
  }
  return classifyNetworkError(err) ?? unknownProviderError(err);
}
