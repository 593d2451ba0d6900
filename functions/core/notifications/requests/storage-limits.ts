import type { FieldError } from '../../shared/field-errors';
import { inspectStoredMap } from '../../shared/json-safety';
import type { ValidationResult } from './options';

/**
 * Every channel's content is stored on one DynamoDB item, which holds at most 400 KB; the rest
 * of the item (ids, tenant, metadata) needs a little room too.
 */
export const MAX_NOTIFICATION_CONTENT_BYTES = 350_000;
/** DynamoDB rejects documents nested deeper than 32 levels; Slack blocks are the only free-form part. */
export const MAX_BLOCKS_DEPTH = 16;

/**
 * Checks what each field's own limit cannot: that the whole notification fits the item it is
 * stored on. A request that passes here can always be written, so it never fails as a 5xx.
 */
export function withinStorageLimits(
  result: ValidationResult,
  channelsPath: string,
): ValidationResult {
  if (!result.ok) return result;
  const { channels } = result.value;
  const errors: FieldError[] = [];
  const blocks = channels.slack?.content.blocks;
  if (blocks !== undefined) {
    const blocksPath = [...(channelsPath ? [channelsPath] : []), 'slack', 'blocks'];
    const { tooDeep, reservedKeys } = inspectStoredMap(blocks, blocksPath, MAX_BLOCKS_DEPTH);
    if (tooDeep) {
      errors.push({
        path: blocksPath.join('.'),
        message: `must not be nested more than ${MAX_BLOCKS_DEPTH} levels deep`,
      });
    }
    errors.push(...reservedKeys);
  }
  // Serializing a value that is too deep is what the check above exists to avoid.
  if (errors.length > 0) return { ok: false, errors };
  const content = Object.fromEntries(
    Object.entries(channels).map(([channel, request]) => [channel, request?.content]),
  );
  const bytes = Buffer.byteLength(JSON.stringify(content), 'utf8');
  if (bytes > MAX_NOTIFICATION_CONTENT_BYTES) {
    errors.push({
      path: channelsPath,
      message: `all channels' content together is ${bytes} bytes; at most ${MAX_NOTIFICATION_CONTENT_BYTES} fit one notification`,
    });
  }
  return errors.length > 0 ? { ok: false, errors } : result;
}
