import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../console/build';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// The console's Topics view in headless Chromium: the list, a topic's subscribers (paged and
// counted), adding (one refused) and removing subscribers, a send to the topic with its fan-out
// progress {total, enqueued, skipped, done} until done.

const RESULTS = new URL('../../test-results/', import.meta.url);
const require = createRequire(import.meta.url);
declare const window: { cspViolations: string[] };
declare const document: {
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
  querySelectorAll(s: string): { length: number };
  querySelector(s: string): { textContent: string | null } | null;
};

/** 60 subscribers: more than the view's page of 50. The last has no email: skipped. */
const PEOPLE = 60;

describe('console: topics', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    await mkdir(RESULTS, { recursive: true });
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    const api = apiClient(stack);
    const ids = Array.from({ length: PEOPLE }, (_, n) => `fan-${String(n).padStart(2, '0')}`);
    const batch = await api.post('/v1/recipients/batch', {
      items: [
        ...ids.map((id, n) =>
          n === PEOPLE - 1
            ? { id, phones: ['+14155550199'] }
            : { id, emails: [`${id}@topics.example`] },
        ),
        { id: 'late', emails: ['late@topics.example'] },
      ],
    });
    expect(batch.status).toBe(200);
    await api.request('PUT', '/v1/topics/product-news', { name: 'Product news' });
    await api.request('PUT', '/v1/topics/outages', {});
    expect((await api.post('/v1/topics/product-news/subscribers', { ids })).status).toBe(200);
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
    await page.goto(`${stack.url}/console#/topics`, { waitUntil: 'networkidle0' });
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
  const mainText = () => page.$eval('main', (m) => m.textContent ?? '');

  it('lists the topics and opens one: a page of subscribers, counted in full on request', async () => {
    await page.waitForSelector('a[href="#/topics/product-news"]');
    expect(await mainText()).toContain('Product news');
    expect(await mainText()).toContain('outages');
    await page.screenshot({ path: new URL('40-topics.png', RESULTS).pathname, fullPage: true });
    expect(await axeViolations()).toEqual([]);

    await page.click('a[href="#/topics/product-news"]');
    await page.waitForSelector('::-p-text(More than one page of subscribers)');
    expect(await page.$$eval('main table tbody tr', (rows) => rows.length)).toBe(50);
    await page.click('::-p-text(Count all)');
    await page.waitForSelector(`::-p-text(${PEOPLE} subscribers)`);
    await page.click('::-p-text(Next page)');
    await page.waitForFunction(
      () => document.querySelectorAll('main table tbody tr').length === 10,
    );
    await page.click('::-p-text(Previous page)');
    await page.waitForFunction(
      () => document.querySelectorAll('main table tbody tr').length === 50,
    );
  });

  /**
   * The flash message once it starts with one of `prefixes` (a failure's "Failed: …" included, so
   * an error answer fails with its text instead of a timeout). Generous: on a loaded CI machine the
   * local stack's functions can take seconds.
   */
  async function flashStartingWith(...prefixes: string[]) {
    const handle = await page.waitForFunction(
      (wanted: string[]) => {
        const text = document.querySelector('p.flash')?.textContent ?? '';
        return [...wanted, 'Failed:'].some((prefix) => text.startsWith(prefix)) ? text : false;
      },
      { timeout: 60_000 },
      prefixes,
    );
    return (await handle.jsonValue()) as string;
  }

  it('adds subscribers (an unknown id is refused by name) and removes one', async () => {
    const input = 'form[aria-label="Add subscribers"] input';
    await page.type(input, 'late, nobody-here');
    expect(await page.$eval(input, (i) => (i as unknown as { value: string }).value)).toBe(
      'late, nobody-here',
    );
    await page.click('form[aria-label="Add subscribers"] button[type="submit"]');
    expect(await flashStartingWith('Subscribed')).toMatch(
      /^Subscribed 1\. Refused: nobody-here \(/,
    );
    await page.click('button[aria-label="Remove fan-00"]');
    expect(await flashStartingWith('Removed')).toBe('Removed fan-00.');
    const api = apiClient(stack);
    const left = await api.get('/v1/topics/product-news/subscribers?limit=1000');
    const ids = left.body.items as string[];
    expect(ids).toContain('late');
    expect(ids).not.toContain('fan-00');
    expect(ids).toHaveLength(PEOPLE);
  }, 150_000);

  it('sends an email to the topic and follows the fan-out until done', async () => {
    await page.type('#topic-send-title ~ form input[type="text"]', 'Launch');
    const inputs = await page.$$('#topic-send-title ~ form input[type="text"]');
    await inputs[1]?.type('We launched.');
    await page.click('::-p-text(Send to topic)');
    await page.waitForSelector('[aria-label="Fan-out progress"]');
    await page.waitForFunction(
      () => document.querySelector('[data-count="done"]')?.textContent === 'yes',
      { timeout: 60_000 },
    );
    const count = (name: string) =>
      page.$eval(`[data-count="${name}"]`, (d) => Number(d.textContent?.replace(/\D/g, '')));
    // 60 subscribers: 59 with an email enqueued, the one with only a phone skipped (no_address).
    expect(await count('total')).toBe(PEOPLE);
    expect(await count('enqueued')).toBe(PEOPLE - 1);
    expect(await count('skipped')).toBe(1);
    await page.screenshot({ path: new URL('41-topic.png', RESULTS).pathname, fullPage: true });
    expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
    expect(await axeViolations()).toEqual([]);
  }, 90_000);
});
