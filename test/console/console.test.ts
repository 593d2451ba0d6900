import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../console/build';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { waitFor } from '../support/client';

const RESULTS = new URL('../../test-results/', import.meta.url);
const require = createRequire(import.meta.url);

// The page callbacks run in the browser; the test compiles without the DOM lib, so the few
// browser globals they touch are declared here, in this module only.
declare const window: {
  cspViolations: string[];
  axe: { run(): Promise<{ violations: unknown[] }> };
};
declare const document: {
  querySelector(selector: string): { parentElement: { textContent: string | null } | null } | null;
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};
declare const location: { hash: string };
declare const navigator: { language: string };
type InputLike = { value: string; dispatchEvent(event: Event): boolean };

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

describe('operator console in a real browser', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let axeSource: string;
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    await mkdir(RESULTS, { recursive: true });
    axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    browser = await puppeteer.launch({
      // The whole suite runs in the worst locale a browser reports: with LANG=C.UTF-8 (and no
      // --lang) Chromium's navigator.language is `en-US@posix`, which is not BCP 47 and which
      // Intl (and uPlot at import time) reject. The page must not care.
      args: chromium.args.filter((arg) => !arg.startsWith('--lang')),
      env: { ...process.env, LANG: 'C.UTF-8', LANGUAGE: '', LC_ALL: 'C.UTF-8' },
      executablePath: await chromium.executablePath(),
      headless: true,
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // The browser's own zone is what a datetime-local field means; pin it so the test knows it.
    await page.emulateTimezone('UTC');
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    // Every CSP refusal is recorded in the page, so a test fails if the policy blocks anything.
    await page.evaluateOnNewDocument(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function shot(name: string): Promise<void> {
    cspViolations.push(...(await page.evaluate(() => window.cspViolations)));
    await page.screenshot({ path: new URL(`${name}.png`, RESULTS).pathname, fullPage: true });
  }

  /** axe-core in the page (injected over CDP, which the page's CSP does not govern). */
  async function criticalViolations(): Promise<AxeViolation[]> {
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
      return (await axe.run()).violations;
    });
    return (violations as AxeViolation[]).filter((v) => v.impact === 'critical');
  }

  /** A fresh document (not a same-page hash change) at `hash`. */
  async function open(hash: string): Promise<void> {
    await page.goto('about:blank');
    await page.goto(`${stack.url}/console${hash}`, { waitUntil: 'networkidle0' });
  }

  async function go(hash: string): Promise<void> {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
  }

  async function textOf(selector: string): Promise<string> {
    return page.$eval(selector, (el) => el.textContent ?? '');
  }

  async function fill(selector: string, value: string): Promise<void> {
    await page.$eval(selector, (el) => {
      (el as unknown as InputLike).value = '';
    });
    await page.type(selector, value);
  }

  it('loads without a key, under its CSP, and asks for one', async () => {
    const response = await page.goto(`${stack.url}/console`, { waitUntil: 'networkidle0' });
    // The browser really reports a tag Intl refuses (read past the console's repair, from the
    // prototype's getter), so every test below runs with it.
    const reported = await page.evaluate(() =>
      Object.getOwnPropertyDescriptor(Object.getPrototypeOf(navigator), 'language')?.get?.call(
        navigator,
      ),
    );
    expect(reported).toBe('en-US@posix');
    expect(() => new Intl.NumberFormat(reported)).toThrow(RangeError);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.waitForSelector('#api-key');
    expect(await textOf('main')).toContain('Enter an API key');
    await shot('01-no-key');
    expect(await criticalViolations()).toEqual([]);
  });

  it('keeps the pasted key in sessionStorage only', async () => {
    await page.type('#api-key', stack.devApiKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('::-p-text(Forget key)');
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('herald.apiKey'),
      local: localStorage.length,
    }));
    expect(stored).toEqual({ session: stack.devApiKey, local: 0 });
    // The list view answers with its items or, on a server without the list route, says so.
    await page.waitForSelector('main table, main .unavailable, main .empty');
    await shot('02-notifications');
    expect(await criticalViolations()).toEqual([]);
  });

  it('sends an email from the compose form and shows the delivery reach delivered', async () => {
    await go('#/compose');
    await page.waitForSelector('#f-channels-email-to');
    await fill('#f-channels-email-to', 'ada@example.com');
    await fill('#f-channels-email-subject', 'Hello from the console');
    await fill('#f-channels-email-text', 'Sent by the browser test');
    await shot('03-compose');
    expect(await criticalViolations()).toEqual([]);
    await page.click('button[type="submit"].primary');
    const link = await page.waitForSelector('.flash a');
    const id = await link?.evaluate((a) => a.textContent ?? '');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await link?.click();
    await page.waitForSelector('li.delivery .chip-delivered', { timeout: 15_000 });
    const delivery = await textOf('li.delivery');
    expect(delivery).toContain('email');
    expect(delivery).toContain('Provider id');
    expect(await textOf('dl.facts')).toContain('delivered');
    // The fake SES really got it: the page shows what the API recorded, not a guess.
    expect(stack.outbox.list().some((e) => e.recipient === 'ada@example.com')).toBe(true);
    await shot('04-notification-delivered');
    expect(await criticalViolations()).toEqual([]);
    // The list (newest first) shows it with its final status.
    await page.click('::-p-text(All notifications)');
    const row = await page.waitForSelector(`main table a[href="#/notifications/${id}"]`);
    expect(await row?.evaluate((a) => a.closest('tr')?.querySelector('.chip')?.textContent)).toBe(
      'delivered',
    );
    await shot('04b-notifications-list');
  }, 30_000);

  it('shows the API field errors next to the fields of a bad form', async () => {
    await go('#/compose');
    await page.waitForSelector('#f-channels-email-to');
    await fill('#f-channels-email-to', 'not-an-address');
    await fill('#f-channels-email-subject', '');
    const before = stack.outbox.list().length;
    await page.click('button[type="submit"].primary');
    await page.waitForSelector('#f-channels-email-to-error');
    expect(await textOf('#f-channels-email-to-error')).toContain('must be an email address');
    expect(await textOf('#f-channels-email-subject-error')).toContain('is required');
    expect(await page.$eval('#f-channels-email-to', (el) => el.getAttribute('aria-invalid'))).toBe(
      'true',
    );
    expect(await textOf('[role="alert"]')).toContain('400');
    expect(stack.outbox.list().length).toBe(before);
    await shot('05-compose-field-errors');
    expect(await criticalViolations()).toEqual([]);
  });

  it('schedules a notification for later and cancels it', async () => {
    await open('#/compose');
    await page.waitForSelector('#f-channels-email-to');
    await fill('#f-channels-email-to', 'later@example.com');
    await fill('#f-channels-email-subject', 'Tomorrow');
    await fill('#f-channels-email-text', 'Not yet');
    // datetime-local in the page's (pinned) UTC zone, an hour ahead.
    const later = new Date(Date.now() + 60 * 60 * 1000).toISOString().slice(0, 16);
    await page.$eval(
      '#f-sendAt',
      (el, value) => {
        const input = el as unknown as InputLike;
        input.value = value;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      },
      later,
    );
    await page.click('button[type="submit"].primary');
    await page.waitForSelector('::-p-text(Accepted (scheduled)');
    await page.click('.flash a');
    await page.waitForSelector('li.delivery .chip-scheduled');
    expect(await textOf('dl.facts')).toContain('Send at');
    await shot('06-scheduled');
    await page.click('::-p-text(Cancel notification)');
    await page.waitForSelector('li.delivery .chip-cancelled');
    expect(await textOf('.flash')).toContain('Cancelled 1 delivery.');
    await shot('07-cancelled');
    expect(stack.outbox.list().some((e) => e.recipient === 'later@example.com')).toBe(false);
  }, 30_000);

  it.each([
    ['dlq', '08-dlq'],
    ['suppressions', '09-suppressions'],
    ['webhooks', '10-webhooks'],
    ['outcomes', '11-outcomes'],
    ['local', '12-local'],
  ])('renders the %s view, or says what this server lacks', async (view, name) => {
    await go(`#/${view}`);
    await page.waitForSelector(`main h2`);
    // Wait for the first answer: a table, an empty state, or "not available on this server".
    await page.waitForSelector('main table, main .unavailable, main .empty, main .error', {
      timeout: 10_000,
    });
    expect(await page.$('main .error')).toBeNull();
    await shot(name);
    expect(await criticalViolations()).toEqual([]);
  });

  it('an email outage from the local view fills the DLQ; with it off, a replay delivers', async () => {
    const recipient = 'outage@example.com';
    const outageOf = async () =>
      ((await (await fetch(`${stack.url}/_local/faults`)).json()) as Record<string, unknown>)
        .email as { outage?: boolean } | undefined;
    const outage = 'tbody tr:first-child input[type="checkbox"]';
    const toggle = async (on: boolean) => {
      await open('#/local');
      await page.waitForSelector(`${outage}${on ? ':not(:checked)' : ':checked'}`);
      expect(await textOf('tbody tr:first-child th')).toBe('email');
      await page.click(outage);
      await page.waitForSelector(`::-p-text(email outage ${on ? 'on' : 'off'}.)`);
      // The switch is what the stack does, not only what the page shows.
      await waitFor(async () => (Boolean((await outageOf())?.outage) === on ? true : undefined));
      await page.waitForSelector(`${outage}${on ? ':checked' : ':not(:checked)'}`);
    };

    await toggle(true);
    await shot('14-outage-on');

    await go('#/compose');
    await page.waitForSelector('#f-channels-email-to');
    await fill('#f-channels-email-to', recipient);
    await fill('#f-channels-email-subject', 'During the outage');
    await fill('#f-channels-email-text', 'Retried until the DLQ, then replayed');
    await page.click('button[type="submit"].primary');
    const link = await page.waitForSelector('.flash a');
    const id = String(await link?.evaluate((a) => a.textContent ?? ''));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // Five receives with backoff (1 s base locally): the DLQ view (refreshing every 3 s) shows it.
    await go('#/dlq');
    const row = `main table a[href="#/notifications/${id}"]`;
    await page.waitForSelector(row, { timeout: 60_000 });
    expect(await textOf('main table caption')).toContain('in the email DLQ');
    await shot('15-dlq-filled');
    await page.click(row);
    await page.waitForSelector('li.delivery .chip-failed');
    expect(await textOf('li.delivery')).toContain('gave up after 5 attempts: ServiceUnavailable');
    await shot('16-notification-failed');
    expect(stack.outbox.list().some((e) => e.recipient === recipient)).toBe(false);

    await toggle(false);
    await go('#/dlq');
    const replay = `button[aria-label="Replay notification ${id}"]`;
    await page.waitForSelector(replay);
    await page.click(replay);
    await page.waitForSelector('::-p-text(Replayed 1, skipped 0)');
    await page.waitForFunction(
      (selector) => document.querySelector(selector) === null,
      { timeout: 10_000 },
      row,
    );
    await shot('17-dlq-replayed');

    await go(`#/notifications/${id}`);
    await page.waitForSelector('li.delivery .chip-delivered', { timeout: 20_000 });
    await shot('18-replayed-delivered');
    expect(stack.outbox.list().filter((e) => e.recipient === recipient)).toHaveLength(1);
    expect((await stack.dlq()).email).toEqual([]);
    expect(await criticalViolations()).toEqual([]);
  }, 120_000);

  it('draws the outcomes per channel from the list summaries', async () => {
    // The list route may not exist on this server yet: answer it at the browser's HTTP edge with
    // summaries in the list's shape, to see the chart and its table count them per channel.
    const now = new Date().toISOString();
    const items = [
      {
        id: 'n1',
        status: 'delivered',
        createdAt: now,
        channels: ['email'],
        counts: { delivered: 3 },
      },
      { id: 'n2', status: 'failed', createdAt: now, channels: ['sms'], counts: { failed: 2 } },
      {
        id: 'n3',
        status: 'partially_failed',
        createdAt: now,
        byChannel: { push: { sent: 1 }, slack: { failed: 1, delivered: 1 } },
      },
      {
        id: 'n4',
        status: 'in_progress',
        createdAt: now,
        deliveries: [{ channel: 'mqtt', status: 'queued' }],
      },
      // The list's own shape today: channels, a delivery count, counts over all channels.
      {
        id: 'n5',
        status: 'partially_failed',
        createdAt: now,
        channels: ['email', 'sms'],
        deliveries: 2,
        counts: { delivered: 1, failed: 1 },
      },
    ];
    await page.setRequestInterception(true);
    const answer = (request: import('puppeteer-core').HTTPRequest) => {
      if (new URL(request.url()).pathname === '/v1/notifications' && request.method() === 'GET') {
        void request.respond({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({ items }),
        });
      } else void request.continue();
    };
    page.on('request', answer);
    try {
      await go('#/notifications');
      await go('#/outcomes');
      await page.waitForSelector('main canvas');
      const rows = await page.$$eval('main tbody tr', (trs) =>
        trs.map((tr) => tr.innerText.split('\t').map((cell: string) => cell.trim())),
      );
      expect(rows).toEqual([
        ['email', '3', '0', '0'],
        ['sms', '0', '2', '0'],
        ['whatsapp', '0', '0', '0'],
        ['push', '1', '0', '0'],
        ['slack', '1', '1', '0'],
        ['mqtt', '0', '0', '1'],
        ['all channels', '6', '4', '1'],
      ]);
      await shot('11-outcomes-chart');
      expect(await criticalViolations()).toEqual([]);
    } finally {
      page.off('request', answer);
      await page.setRequestInterception(false);
    }
  });

  it('hides what the key may not do when GET /v1/me names its scopes', async () => {
    const answer = (request: import('puppeteer-core').HTTPRequest) => {
      if (new URL(request.url()).pathname === '/v1/me') {
        void request.respond({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({ tenantId: 'local', scopes: ['read'] }),
        });
      } else void request.continue();
    };
    await page.setRequestInterception(true);
    page.on('request', answer);
    try {
      await open('#/compose');
      await page.waitForSelector('::-p-text(tenant local · read)');
      const nav = await page.$$eval('nav a', (links) => links.map((a) => a.textContent));
      expect(nav).toEqual([
        'Notifications',
        'Outcomes',
        'Recipients',
        'Topics',
        'Suppressions',
        'Webhooks',
        'Providers',
        'Templates',
        'Workflows',
        'Local stack',
      ]);
      expect(await textOf('main')).toContain('This key lacks the send scope');
      expect(await page.$('#f-channels-email-to')).toBeNull();
      await shot('13-read-only-key');
    } finally {
      page.off('request', answer);
      await page.setRequestInterception(false);
    }
  });

  it('works from the keyboard: tab order follows the page, the key form submits with Enter', async () => {
    await open('#/notifications');
    const focused = () =>
      page.evaluate('document.activeElement.id || document.activeElement.textContent.trim()');
    const order: unknown[] = [];
    const expected = [
      'Herald',
      'Notifications',
      'Compose',
      'Outcomes',
      'DLQ',
      'Recipients',
      'Topics',
      'Suppressions',
      'Webhooks',
      'Providers',
      'Templates',
      'Workflows',
      'Local stack',
      'Forget key',
    ];
    for (let i = 0; i < expected.length; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order).toEqual(expected);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#api-key');
    expect(await page.evaluate('sessionStorage.getItem("herald.apiKey")')).toBeNull();
    // Back to the top and tab to the key field: brand, the views, then the key.
    await open('#/notifications');
    for (let i = 0; i < expected.length; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('api-key');
    await page.keyboard.type(stack.devApiKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('::-p-text(Forget key)');
    expect(await page.evaluate('sessionStorage.getItem("herald.apiKey")')).toBe(stack.devApiKey);
  });

  it('works in a browser that refuses storage (reading sessionStorage throws)', async () => {
    const refusing = await browser.newPage();
    const errors: string[] = [];
    refusing.on('pageerror', (error) => errors.push(String(error)));
    try {
      // What Chromium does with cookies blocked, or in a sandboxed frame.
      await refusing.evaluateOnNewDocument(() => {
        Object.defineProperty(window, 'sessionStorage', {
          get() {
            throw new DOMException('The document is sandboxed', 'SecurityError');
          },
        });
      });
      await refusing.goto(`${stack.url}/console`, { waitUntil: 'networkidle0' });
      await refusing.waitForSelector('#api-key');
      await refusing.type('#api-key', stack.devApiKey);
      await refusing.keyboard.press('Enter');
      // The key is kept for this page only, and the views work with it.
      await refusing.waitForSelector('::-p-text(Forget key)');
      await refusing.waitForSelector('main table, main .unavailable, main .empty');
      await refusing.screenshot({
        path: new URL('19-storage-refused.png', RESULTS).pathname,
        fullPage: true,
      });
      expect(errors).toEqual([]);
    } finally {
      await refusing.close();
    }
  });

  it('raised no script error and no CSP violation on the way', async () => {
    // Each document's refusals were collected at every screenshot; this adds the last one's.
    cspViolations.push(...(await page.evaluate(() => window.cspViolations)));
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
