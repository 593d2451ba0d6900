import { upsertMany } from '../../core/recipients/manage';
import { NotFoundError } from '../../core/shared/errors';
import { resolveVersion } from '../../core/templates/render';
import type { ReferenceLookup } from '../../core/workflows/template-sends';
import type { TriggerTemplateDependencies } from '../../core/workflows/trigger';
import { suppressions } from './context';
import { categories, recipients, templateRenderDeps } from './stores';

/*
 * What workflow definitions and triggers need of templates and recipients, from the api's own
 * stores: a send's template and category exist (PUT, publish); a trigger's inline profiles are
 * upserted as POST /v1/notifications does and its data is checked against each template's schema.
 */

export function workflowReferences(tenantId: string): ReferenceLookup {
  return {
    async templateProblem(ref) {
      try {
        await resolveVersion(templateRenderDeps, tenantId, ref);
        return undefined;
      } catch (error) {
        if (error instanceof NotFoundError) return error.message;
        throw error;
      }
    },
    categoryExists: async (key) => (await categories.get(tenantId, key)) !== undefined,
  };
}

export const triggerTemplates: TriggerTemplateDependencies = {
  async upsertProfiles(tenantId, items) {
    const results = await upsertMany(recipients, tenantId, items, { suppressions });
    return results.flatMap((r) => (r.status === 'error' ? r.errors : []));
  },
  async schemaOf(tenantId, ref) {
    try {
      return (await resolveVersion(templateRenderDeps, tenantId, ref)).dataSchema;
    } catch (error) {
      // Archived or removed since publish: the send step records why when it runs.
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  },
};
