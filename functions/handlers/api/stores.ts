import { DynamoCategoryStore } from '../../adapters/dynamodb/category-store';
import { DynamoRecipientStore } from '../../adapters/dynamodb/recipient-store';
import { DynamoTemplateStore } from '../../adapters/dynamodb/template-store';
import { DynamoTopicStore } from '../../adapters/dynamodb/topic-store';
import { LazyTemplateEngine } from '../../adapters/templates/lazy-engine';
import type { Category } from '../../core/recipients/preferences';
import { InvalidRequestError } from '../../core/shared/errors';
import { VersionCache } from '../../core/templates/compile';
import type { RenderDependencies } from '../../core/templates/render';
import { dynamo } from '../../runtime/aws-clients';
import { config } from './context';

/*
 * The stores both the send path (the api function) and the management routes (the manage
 * function) use, built once per container. Here, not in the route files, so the send path
 * imports no management route (test/unit/bundling.test.ts).
 */

export const recipients = new DynamoRecipientStore(dynamo, config.tableName);
export const categories = new DynamoCategoryStore(dynamo, config.tableName);
export const topics = new DynamoTopicStore(dynamo, config.tableName);

/** The category a send names; a key the tenant never defined is a 400 at `category`. */
export async function categoryOf(tenantId: string, key: string): Promise<Category> {
  const category = await categories.get(tenantId, key);
  if (!category) {
    throw new InvalidRequestError([
      { path: 'category', message: 'is not a category of this tenant (PUT /v1/categories/{key})' },
    ]);
  }
  return category;
}

/**
 * What rendering needs, once per container: the store, the Liquid engine and the compiled
 * versions. The send path (POST /v1/notifications with a template) uses the same; in the api the
 * engine (liquidjs) loads on the first template send, not at cold start.
 */
export const templateRenderDeps: RenderDependencies = {
  templates: new DynamoTemplateStore(dynamo, config.tableName),
  engine: new LazyTemplateEngine(),
  cache: new VersionCache(),
};
