import type { Context } from 'aws-lambda';
import { EnvironmentPool, loadHandler } from './emulators/lambda';
import type { ApiHandler } from './http-api';

/**
 * The templates function (functions/handlers/templates.ts), loaded on its first request as a
 * Lambda cold-starts: it carries MJML (~0.4 s to import), which a stack that never edits a
 * template should not pay for at start. Concurrent requests get their own environments.
 */
export function lazyTemplatesFunction(instance: string | undefined): ApiHandler {
  let pool: Promise<EnvironmentPool<Parameters<ApiHandler>[0], Awaited<ReturnType<ApiHandler>>>>;
  return async (event, context: Context) => {
    pool ??= loadHandler<Parameters<ApiHandler>[0], Awaited<ReturnType<ApiHandler>>>(
      'templates',
      instance,
    ).then((first) => {
      if (!first) throw new Error('functions/handlers/templates.ts does not exist');
      return new EnvironmentPool(first, (n) => loadHandler('templates', `${instance ?? 1}-t${n}`));
    });
    return (await pool).invoke(event, context);
  };
}
