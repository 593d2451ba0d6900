import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../console/build';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { waitFor } from '../support/client';

// The console's template views in a real browser against a local stack: the editor's live
// preview per channel and locale (email HTML in a sandboxed frame, styled, under the CSP),
// publish, version history with a diff, and "send a test to me" reaching the fake SES.

const RESULTS = new URL('../../test-results/', import.meta.url);
const require = createRequire(import.meta.url);

declare const window: { cspViolations: string[] };
declare const document: {
  querySelector(selector: string): unknown;
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};
declare const location: { hash: string };
type FieldLike = { value: string; dispatchEvent(event: Event): boolean };
type FrameLike = {
  contentDocument: {
    body: { textContent: string | null } | null;
    querySelector(s: string): unknown;
    defaultView: { getComputedStyle(el: unknown): { color: string } };
  } | null;
};

const DRAFT = {
  defaultLocale: 'en',
  locales: {
    en: {
      email: {
        subject: 'Welcome {{ name }}',
        html: '<h1 style="color: rgb(200, 0, 0)">Hello {{ name }}</h1><p class="note">Thanks</p>',
      },
      sms: { text: 'Hi {{ name }}' },
    },
    fr: { email: { subject: 'Bienvenue {{ name }}', html: '<h1>Bonjour {{ name }}</h1>' } },
  },
};

describe('console: templates', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let axeSource: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    await mkdir(RESULTS, { recursive: true });
    axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    browser = await puppeteer.launch({
      args: chromium.args.filter((arg) => !arg.startsWith('--lang')),
      executablePath: await chromium.executablePath(),
      headless: true,
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.evaluateOnNewDocument(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await page.goto(`${stack.url}/console#/templates`, { waitUntil: 'networkidle0' });
    await page.type('#api-key', stack.devApiKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('::-p-text(Forget key)');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: new URL(`${name}.png`, RESULTS).pathname, fullPage: true });
  }

  async function critical(): Promise<unknown[]> {
    await page.evaluate(axeSource);
    const violations = (await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
      return (await axe.run()).violations;
    })) as { impact: string | null; id: string }[];
    return violations.filter((v) => v.impact === 'critical').map((v) => v.id);
  }

  async function setValue(selector: string, value: string): Promise<void> {
    await page.$eval(
      selector,
      (el, v) => {
        const field = el as unknown as FieldLike;
        field.value = v;
        field.dispatchEvent(new Event('input', { bubbles: true }));
      },
      value,
    );
  }

  /** The email preview frame's heading text and colour, once it shows `text`. */
  async function emailPreview(text: string) {
    const frame = await page.waitForSelector('iframe.email-frame').catch(async (error) => {
      await shot('20-failed');
      throw new Error(`${error}: ${await page.$eval('main', (m) => m.textContent)}`);
    });
    expect(await frame?.evaluate((f) => f.getAttribute('sandbox'))).toBe('allow-same-origin');
    return waitFor(
      async () => {
        // The frame reloads on every edit: between two documents its body is null, and React may
        // have replaced the element itself, so each poll looks the frame up again.
        const seen = await page
          .$eval('iframe.email-frame', (f) => {
            const doc = (f as unknown as FrameLike).contentDocument;
            const h1 = doc?.querySelector('h1');
            return {
              text: doc?.body?.textContent ?? '',
              color: h1 && doc ? doc.defaultView.getComputedStyle(h1).color : '',
            };
          })
          .catch(() => undefined);
        return seen?.text.includes(text) && seen.color !== '' ? seen : undefined;
      },
      10_000,
      `the preview to show ${text}`,
    );
  }

  it('edits a draft with a live preview per channel and locale, the email in a styled sandboxed frame', async () => {
    await page.waitForSelector('main table');
    await page.type('main input[type="text"]', 'welcome');
    await page.click('::-p-text(Open or create)');
    // The editor has asked for the template (none yet) and holds the starter draft.
    await page.waitForSelector('::-p-text(A new template)');
    await setValue('#template-draft', JSON.stringify(DRAFT, null, 2));
    await setValue('#template-data', JSON.stringify({ name: 'Ada <b>' }));
    const en = await emailPreview('Hello Ada <b>');
    // The email's own inline style applies, through the CSSOM, though the CSP refuses inline styles.
    expect(en.color).toBe('rgb(200, 0, 0)');
    expect(await page.$eval('.preview-panel', (el) => el.textContent ?? '')).toContain(
      'Welcome Ada <b>',
    );
    await shot('20-template-editor-en');
    await setValue('main label input[placeholder]', 'fr-CA');
    await emailPreview('Bonjour Ada <b>');
    expect(await page.$eval('.tabs', (el) => el.textContent ?? '')).toContain('email · fr');
    for (const tab of await page.$$('.tabs button')) {
      if ((await tab.evaluate((b) => b.textContent ?? '')).startsWith('sms')) await tab.click();
    }
    await waitFor(async () =>
      (await page.$eval('.preview-panel', (el) => el.textContent ?? '')).includes('Hi Ada <b>')
        ? true
        : undefined,
    );
    await shot('21-template-editor-fr-sms');
    expect(await critical()).toEqual([]);
  }, 60_000);

  it('shows a Liquid error at its path instead of a preview', async () => {
    const broken = structuredClone(DRAFT);
    broken.locales.en.sms.text = 'Hi {{ name | shout }}';
    await setValue('#template-draft', JSON.stringify(broken, null, 2));
    await page.waitForSelector('::-p-text(draft.locales.en.sms.text)');
    expect(await page.$eval('main [role="alert"]', (el) => el.textContent ?? '')).toContain(
      'undefined filter: shout',
    );
    await shot('22-template-liquid-error');
    await setValue('#template-draft', JSON.stringify(DRAFT, null, 2));
  });

  it('publishes, publishes again, and diffs the two versions', async () => {
    await setValue('main .inline-form input[type="text"]', 'first');
    await page.click('::-p-text(Save and publish)');
    await page.waitForSelector('::-p-text(Published version 1.)');
    const second = structuredClone(DRAFT);
    second.locales.en.email.subject = 'Welcome aboard, {{ name }}';
    await setValue('#template-draft', JSON.stringify(second, null, 2));
    await page.click('::-p-text(Save and publish)');
    await page.waitForSelector('::-p-text(Published version 2.)');
    await page.waitForSelector('::-p-text(v1 → v2: 2 changed lines)');
    const added = await page.$$eval('.diff-added', (els) => els.map((e) => e.textContent ?? ''));
    const removed = await page.$$eval('.diff-removed', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    expect(added.join('')).toContain('Welcome aboard, {{ name }}');
    expect(removed.join('')).toContain('"Welcome {{ name }}"');
    await shot('23-template-history-diff');
    expect(await critical()).toEqual([]);
  }, 30_000);

  it('sends a test of the latest version to me', async () => {
    // The preview has caught up with the last edit: no error left from the broken draft.
    await page.waitForFunction(() => !document.querySelector('.editor [role="alert"]'));
    await setValue('main input[type="email"]', 'me@example.com');
    await setValue('main label input[placeholder]', '');
    await page.click('::-p-text(Send test)');
    const link = await page.waitForSelector('::-p-text(Sent:) a');
    expect(await link?.evaluate((a) => a.textContent ?? '')).toMatch(/^[0-9a-f-]{36}$/);
    const email = await waitFor(
      () => stack.outbox.list({ channel: 'email', recipient: 'me@example.com' })[0],
      25_000,
    );
    expect(email.content.subject).toBe('Welcome aboard, Ada <b>');
    expect(email.content.html).toContain('Hello Ada &lt;b&gt;');
    await shot('24-template-test-sent');
    expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 45_000);
});
