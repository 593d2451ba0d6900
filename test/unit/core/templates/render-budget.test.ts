import { describe, expect, it } from 'vitest';
import { UnprocessableRequestError } from '../../../../functions/core/shared/errors';
import { VersionCache } from '../../../../functions/core/templates/compile';
import type { TemplateEngine } from '../../../../functions/core/templates/ports';
import { renderTemplateSend } from '../../../../functions/core/templates/send';
import { MemoryTemplates } from './memory-templates';

/** An engine whose every render takes `ms` of wall time (a template just under its own limit). */
function slowEngine(ms: number): TemplateEngine & { renders: number } {
  const engine = {
    renders: 0,
    compile: (source: string) => ({
      render: async () => {
        engine.renders++;
        const until = performance.now() + ms;
        while (performance.now() < until) {
          // busy, as a runaway template is
        }
        return source;
      },
    }),
  };
  return engine;
}

describe('the render budget of one send', () => {
  it('stops a send to many recipients once its renders pass the budget: a 422 at template, not one per recipient', async () => {
    const templates = new MemoryTemplates();
    templates.heads.set('t1/slow', {
      tenantId: 't1',
      key: 'slow',
      defaultLocale: 'en',
      locales: ['en'],
      channels: ['sms'],
      latestVersion: 1,
      createdAt: '2026-12-07T00:00:00.000Z',
      updatedAt: '2026-12-07T00:00:00.000Z',
      updatedBy: 'k',
    } as never);
    templates.versions.set('t1/slow#1', {
      tenantId: 't1',
      key: 'slow',
      version: 1,
      defaultLocale: 'en',
      locales: { en: { sms: { text: 'Hi {{ recipient.name }}' } } },
      publishedAt: '2026-12-07T00:00:00.000Z',
      publishedBy: 'k',
    } as never);
    const engine = slowEngine(5);
    const deps = { templates, engine, cache: new VersionCache(), renderBudgetMs: 40 };
    const ids = Array.from({ length: 200 }, (_, i) => `r-${i}`);
    const recipients = {
      fieldsOf: async (_t: string, asked: readonly string[]) =>
        new Map(asked.map((id) => [id, { id, name: id }])),
    };
    const error = await renderTemplateSend(
      deps,
      't1',
      { template: { key: 'slow' }, data: {}, to: ids, channels: ['sms'] },
      recipients,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnprocessableRequestError);
    expect((error as UnprocessableRequestError).errors).toEqual([
      { path: 'template', message: expect.stringContaining('render limit reached') },
    ]);
    // It stopped near the budget (40 ms at 5 ms a render), far from the 200 renders asked.
    expect(engine.renders).toBeLessThan(100);
    // The same send with renders of a normal template, under the default budget (5 s), renders
    // every recipient.
    const fast = slowEngine(0);
    const sent = await renderTemplateSend(
      { templates, engine: fast, cache: new VersionCache() },
      't1',
      { template: { key: 'slow' }, data: {}, to: ids, channels: ['sms'] },
      recipients,
    );
    expect(sent.perRecipient?.size).toBe(200);
  });
});
