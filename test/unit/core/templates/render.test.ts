import { describe, expect, it } from 'vitest';
import { LiquidTemplateEngine } from '../../../../functions/adapters/templates/liquid-engine';
import { UnprocessableRequestError } from '../../../../functions/core/shared/errors';
import { localeChain, VersionCache } from '../../../../functions/core/templates/compile';
import { editDraft, publishTemplate } from '../../../../functions/core/templates/manage';
import { renderForRecipient } from '../../../../functions/core/templates/render';
import { MemoryTemplates } from './memory-templates';

const engine = new LiquidTemplateEngine();

async function setup(draft: unknown) {
  const templates = new MemoryTemplates();
  const deps = { templates, engine, cache: new VersionCache() };
  await editDraft(deps, 't1', 'greet', draft, 'key-1');
  await publishTemplate(deps, 't1', 'greet', undefined, 'key-1');
  return { deps, templates };
}

const greeting = {
  defaultLocale: 'en',
  locales: {
    en: {
      email: { subject: 'Hi {{ name }}', html: '<p>Hi {{ name }}</p>', text: 'Hi {{ name }}' },
      sms: { text: 'Hi {{ name }} ({{ recipient.plan }})' },
      mqtt: { payload: { greeting: 'Hi {{ name }}', n: 1 } },
    },
    fr: { email: { subject: 'Bonjour {{ name }}', html: '<p>Bonjour {{ name }}</p>' } },
    'fr-CA': { sms: { text: 'Allô {{ name }}' } },
  },
  dataSchema: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', maxLength: 20 } },
  },
};

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnprocessableRequestError);
  return (error as UnprocessableRequestError).errors;
}

describe('localeChain', () => {
  it('goes from the most specific tag to the default', () => {
    expect(localeChain('fr-CA', 'en')).toEqual(['fr-CA', 'fr', 'en']);
    expect(localeChain('zh-Hant-TW', 'en')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh', 'en']);
    expect(localeChain(undefined, 'de')).toEqual(['de']);
  });
});

describe('renderForRecipient', () => {
  it('picks each channel along fr-CA -> fr -> default, the recipient’s locale first', async () => {
    const { deps } = await setup(greeting);
    const rendered = await renderForRecipient(
      deps,
      't1',
      { key: 'greet' },
      { locale: 'de', data: { name: 'Zoé' }, recipient: { locale: 'fr-CA', plan: 'pro' } },
    );
    expect(rendered.version).toBe(1);
    expect(rendered.locales).toEqual({ email: 'fr', sms: 'fr-CA', mqtt: 'en' });
    expect(rendered.content.email).toEqual({
      subject: 'Bonjour Zoé',
      html: '<p>Bonjour Zoé</p>',
    });
    expect(rendered.content.sms).toEqual({ text: 'Allô Zoé' });
    expect(rendered.content.mqtt).toEqual({ payload: '{"greeting":"Hi Zoé","n":1}' });
  });

  it('escapes HTML in html only, never in text channels', async () => {
    const { deps } = await setup(greeting);
    const rendered = await renderForRecipient(
      deps,
      't1',
      { key: 'greet' },
      { data: { name: '<b>&</b>' }, recipient: { plan: 'x' }, channels: ['email', 'sms'] },
    );
    expect(rendered.content.email?.html).toBe('<p>Hi &lt;b&gt;&amp;&lt;/b&gt;</p>');
    expect(rendered.content.email?.text).toBe('Hi <b>&</b>');
    expect(rendered.content.sms?.text).toBe('Hi <b>&</b> (x)');
  });

  it('names a missing variable and a schema mismatch by their data path: never a blank send', async () => {
    const { deps } = await setup(greeting);
    const missing = await refusal(
      renderForRecipient(deps, 't1', { key: 'greet' }, { data: { name: 'A' }, channels: ['sms'] }),
    );
    expect(missing).toEqual([
      expect.objectContaining({
        path: 'recipient.plan',
        message: expect.stringContaining('sms.text'),
      }),
    ]);
    const schema = await refusal(
      renderForRecipient(deps, 't1', { key: 'greet' }, { data: { name: 'x'.repeat(21) } }),
    );
    expect(schema).toEqual([{ path: 'data.name', message: 'must be at most 20 characters' }]);
    expect(await refusal(renderForRecipient(deps, 't1', { key: 'greet' }, { data: {} }))).toEqual([
      { path: 'data.name', message: 'is required' },
    ]);
  });

  it('stops a template that would run away: a render limit is a 422 at the field', async () => {
    const { deps } = await setup({
      defaultLocale: 'en',
      locales: { en: { sms: { text: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' } } },
    });
    const errors = await refusal(renderForRecipient(deps, 't1', { key: 'greet' }, { data: {} }));
    expect(errors).toEqual([
      expect.objectContaining({
        path: 'locales.en.sms.text',
        message: expect.stringContaining('render limit reached'),
      }),
    ]);
  });

  it('compiles and reads each version once per container; a pinned version stays put', async () => {
    const { deps, templates } = await setup(greeting);
    const changed = structuredClone(greeting);
    changed.locales.en.email.subject = 'Hello {{ name }}';
    await editDraft(deps, 't1', 'greet', changed, 'key-1');
    await publishTemplate(deps, 't1', 'greet', { note: 'v2' }, 'key-1');
    for (let i = 0; i < 5; i++) {
      const pinned = await renderForRecipient(
        deps,
        't1',
        { key: 'greet', version: 1 },
        { data: { name: 'A' }, channels: ['email'] },
      );
      expect(pinned.content.email?.subject).toBe('Hi A');
      const latest = await renderForRecipient(
        deps,
        't1',
        { key: 'greet' },
        { data: { name: 'A' }, channels: ['email'] },
      );
      expect(latest.content.email?.subject).toBe('Hello A');
    }
    expect(deps.cache.compilations).toBe(2);
    expect(templates.versionReads).toBe(2);
  });
});
