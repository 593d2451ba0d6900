import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// The preference page an unsubscribe link opens, in a real browser with JavaScript off: it
// renders under its CSP with nothing refused, passes axe, and its form changes the preferences.

const RESULTS = new URL('../../test-results/', import.meta.url);
const require = createRequire(import.meta.url);
declare const window: { cspViolations: string[] };
declare const document: {
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};

describe('preference page in a real browser', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let browser: Browser;
  let page: Page;
  let link = '';

  beforeAll(async () => {
    await mkdir(RESULTS, { recursive: true });
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    api = apiClient(stack);
    await api.request('PUT', '/v1/categories/news', {
      name: 'Product news',
      description: 'What is new, about once a month.',
      defaults: { sms: false },
    });
    await api.request('PUT', '/v1/categories/security', {
      name: 'Security alerts',
      critical: true,
    });
    await api.request('PUT', '/v1/recipients/page-1', {
      emails: ['someone@page.example'],
      phones: ['+14155550133'],
    });
    const before = stack.outbox.list().length;
    await api.post('/v1/notifications', {
      to: ['page-1'],
      category: 'news',
      channels: { email: { subject: 'News', text: 'Hello' } },
    });
    const mail = await waitFor(() => stack.outbox.list().slice(before)[0]);
    link =
      /^<(.+)>$/.exec(
        String((mail.content.headers as Record<string, string>)['List-Unsubscribe']),
      )?.[1] ?? '';
    browser = await puppeteer.launch({
      args: chromium.args.filter((arg) => !arg.startsWith('--lang')),
      executablePath: await chromium.executablePath(),
      headless: true,
    });
    page = await browser.newPage();
    await page.setViewport({ width: 900, height: 900 });
    // Works without JavaScript: the page has none, and the test proves the form needs none.
    await page.setJavaScriptEnabled(false);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('renders the recipient’s choices under a strict CSP, accessible (axe), masked address only', async () => {
    const cspPage = await browser.newPage();
    await cspPage.evaluateOnNewDocument(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const answer = await cspPage.goto(link);
    expect(answer?.status()).toBe(200);
    await cspPage.screenshot({
      path: new URL('preference-page.png', RESULTS).pathname,
      fullPage: true,
    });
    expect(await cspPage.evaluate(() => window.cspViolations)).toEqual([]);
    await cspPage.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const violations = await cspPage.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
      return (await axe.run()).violations;
    });
    expect(violations).toEqual([]);
    const text = await cspPage.$eval(
      'main',
      (m) => (m as unknown as { innerText: string }).innerText,
    );
    expect(text).toContain('s***@page.example');
    expect(text).not.toContain('someone@page.example');
    expect(text).toContain('Always sent, whatever you choose here: Security alerts.');
    await cspPage.close();
  });

  it('saving the form without JavaScript turns a category off on a channel', async () => {
    await page.goto(link);
    await page.click('input[name="category"][value="news:email"]');
    await Promise.all([page.waitForNavigation(), page.click('button[value="save"]')]);
    expect(await page.$eval('[role="status"]', (s) => s.textContent)).toBe('Saved.');
    const prefs = (await api.get('/v1/recipients/page-1/preferences')).body.preferences;
    expect(prefs).toMatchObject({ categories: { news: { email: false } } });
    expect(
      await page.$eval(
        'input[value="news:email"]',
        (i) => (i as unknown as { checked: boolean }).checked,
      ),
    ).toBe(false);
    await page.screenshot({
      path: new URL('preference-page-saved.png', RESULTS).pathname,
      fullPage: true,
    });
  });

  it('“Unsubscribe from everything” turns every channel off', async () => {
    await page.goto(link);
    await Promise.all([page.waitForNavigation(), page.click('button[value="all_off"]')]);
    const prefs = (await api.get('/v1/recipients/page-1/preferences')).body.preferences as {
      channels: Record<string, boolean>;
    };
    expect(prefs.channels).toEqual({ email: false, sms: false, whatsapp: false });
  });
});
