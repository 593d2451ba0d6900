import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../console/build';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// The console's Recipients view in headless Chromium: search, a profile with its addresses'
// health, what each category reaches, recent deliveries (a skip with its reason), categories.

const RESULTS = new URL('../../test-results/', import.meta.url);
const require = createRequire(import.meta.url);
declare const window: { cspViolations: string[] };
declare const document: {
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};

describe('console: recipients', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    await mkdir(RESULTS, { recursive: true });
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    const api = apiClient(stack);
    await api.request('PUT', '/v1/categories/news', { name: 'News', defaults: { sms: false } });
    await api.request('PUT', '/v1/categories/security', { name: 'Security', critical: true });
    await api.post('/v1/suppressions', { channel: 'sms', recipient: '+14155550188' });
    await api.request('PUT', '/v1/recipients/ada', {
      name: 'Ada Lovelace',
      emails: ['ada@console.example'],
      phones: ['+14155550188'],
      timezone: 'Europe/London',
      preferences: { categories: { news: { email: false } } },
    });
    await api.request('PUT', '/v1/recipients/alan', { emails: ['alan@console.example'] });
    const sent = await api.post('/v1/notifications', {
      to: ['ada'],
      channels: { email: { subject: 'Hi', text: 'Hi' }, sms: { text: 'Hi' } },
    });
    await waitFor(async () => {
      const n = await api.get(`/v1/notifications/${String(sent.body.id)}`);
      return n.body.status === 'in_progress' ? undefined : n;
    });
    browser = await puppeteer.launch({
      args: chromium.args.filter((arg) => !arg.startsWith('--lang')),
      executablePath: await chromium.executablePath(),
      headless: true,
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    await page.evaluateOnNewDocument(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await page.goto(`${stack.url}/console#/recipients`, { waitUntil: 'networkidle0' });
    await page.type('#api-key', stack.devApiKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('::-p-text(Forget key)');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function axeViolations() {
    await page.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
    return page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run(): Promise<{ violations: { impact: string }[] }> } }
      ).axe;
      return (await axe.run()).violations.filter((v) => v.impact === 'critical');
    });
  }

  it('searches by email prefix and lists categories', async () => {
    await page.waitForSelector('main table');
    await page.type('input[type="search"]', 'ada@');
    await page.click('form.inline-form button[type="submit"]');
    await page.waitForFunction(() => {
      const rows = (
        globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
      ).document.querySelectorAll('main table tbody tr');
      return rows.length === 1 + 2; // one recipient + two categories
    });
    const text = await page.$eval('main', (m) => m.textContent ?? '');
    expect(text).toContain('Ada Lovelace');
    expect(text).not.toContain('alan');
    expect(text).toContain('security');
    await page.screenshot({ path: new URL('30-recipients.png', RESULTS).pathname, fullPage: true });
    expect(await axeViolations()).toEqual([]);
  });

  it('shows a profile: address health, what each category reaches, the skipped delivery', async () => {
    await page.click('a[href="#/recipients/ada"]');
    await page.waitForSelector('::-p-text(Recent deliveries)');
    await page.waitForSelector('::-p-text(suppressed)');
    await page.waitForSelector('::-p-text(What each category reaches)');
    const text = await page.$eval('main', (m) => m.textContent ?? '');
    expect(text).toContain('undeliverable');
    expect(text).toContain('suppression:sms');
    expect(text).toContain('Europe/London');
    await page.screenshot({ path: new URL('31-recipient.png', RESULTS).pathname, fullPage: true });
    expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
    expect(await axeViolations()).toEqual([]);
  });

  it('the Local stack view links an email to its preference page, which opens', async () => {
    await apiClient(stack).post('/v1/notifications', {
      to: ['alan'],
      category: 'news',
      channels: { email: { subject: 'News', text: 'Hi' } },
    });
    await page.goto(`${stack.url}/console#/local`, { waitUntil: 'networkidle0' });
    const link = await page.waitForSelector('::-p-text(Open its preference page)', {
      timeout: 10_000,
    });
    const href = String(await link?.evaluate((a) => (a as unknown as { href: string }).href));
    expect(href).toContain('/v1/unsubscribe?token=');
    await page.goto(href);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('Notification preferences');
    expect(await page.$eval('main', (m) => m.textContent ?? '')).toContain('a***@console.example');
  });
});
