import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../console/build';
import { createLocalServiceAccount } from '../../local/fakes/fcm-fake';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

const RESULTS = new URL('../../test-results/', import.meta.url);
const require = createRequire(import.meta.url);
declare const window: { axe: { run(): Promise<{ violations: unknown[] }> } };
declare const document: { querySelectorAll(s: string): Iterable<{ textContent: string | null }> };
type InputLike = { value: string };

describe('console › Providers view in a real browser', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const twilio = {
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    authToken: randomBytes(16).toString('hex'),
    senders: ['+14155580101', '+14155580102'],
  };
  const botToken = 'xoxb-console-0000-secret';
  const serviceAccount = createLocalServiceAccount('console-push');

  beforeAll(async () => {
    await ensureConsoleBuilt();
    await mkdir(RESULTS, { recursive: true });
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    const api = apiClient(stack);
    expect((await api.request('PUT', '/v1/providers/sms/main', twilio)).status).toBe(201);
    expect((await api.request('PUT', '/v1/providers/slack/bot', { botToken })).status).toBe(201);
    const push = await api.request('PUT', '/v1/providers/push/fcm', { serviceAccount });
    expect(push.status).toBe(201);
    await api.post('/v1/providers/sms/main/verify', {});
    // One sender down: a few sends open its breaker and fail over to the other.
    await fetch(`${stack.url}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ channel: 'sms', sender: twilio.senders[0], outage: true }),
    });
    const to = Array.from({ length: 8 }, (_, i) => `+1415558${String(2000 + i)}`);
    const { body } = await api.post('/v1/notifications', { channels: { sms: { to, text: 'hi' } } });
    await waitFor(
      async () => {
        const { body: n } = await api.get(`/v1/notifications/${String(body.id)}`);
        return ['sent', 'delivered'].includes(String(n.status)) ? true : undefined;
      },
      30_000,
      'the SMS to go out through the healthy sender',
    );
    browser = await puppeteer.launch({
      args: chromium.args,
      executablePath: await chromium.executablePath(),
      headless: true,
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function criticalViolations(): Promise<unknown[]> {
    await page.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const violations = (await page.evaluate(async () => (await window.axe.run()).violations)) as {
      impact: string | null;
    }[];
    return violations.filter((v) => v.impact === 'critical');
  }

  it('shows each provider: order, senders with rate and breaker, verification, never a secret', async () => {
    await page.goto(`${stack.url}/console#/providers`, { waitUntil: 'networkidle0' });
    await page.type('#api-key', stack.devApiKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('table.providers');
    const rows = await page.$$eval('table.providers tbody tr', (trs) =>
      trs.map((tr) => tr.textContent ?? ''),
    );
    const sms = rows.find((r) => r.includes('main')) ?? '';
    expect(sms).toContain(`${twilio.senders[0]} 1/s`);
    expect(sms).toContain('breaker open until');
    expect(sms).toContain(`${twilio.senders[1]} 1/s`);
    expect(sms).toMatch(/102 1\/s breaker closed/);
    expect(sms).toContain('yes (');
    expect(rows.find((r) => r.includes('bot'))).toContain('not yet');
    // Write-only: neither credential is anywhere in the page.
    const html = await page.content();
    expect(html).not.toContain(twilio.authToken);
    expect(html).not.toContain(botToken);
    // An FCM project like the others: its project is its one sender, at FCM's rate; never the key.
    expect(rows.find((r) => r.includes('push'))).toContain('console-push 10000/s breaker closed');
    expect(html).not.toContain('PRIVATE KEY');
    await page.screenshot({ path: new URL('providers.png', RESULTS).pathname, fullPage: true });
    expect(await criticalViolations()).toEqual([]);
  });

  it('shows the API’s field error next to the field, and clears the typed secret', async () => {
    await page.type('#p-name', 'backup');
    await page.type('#p-accountSid', 'not-a-sid');
    await page.type('#p-secret', 'some-token-1234567890');
    await page.type('#p-senders', '+14155580103');
    await page.click('form[aria-label="Add or replace a provider"] button[type="submit"]');
    await page.waitForSelector('.field-error');
    expect(await page.$eval('.field-error', (e) => e.textContent)).toBe(
      'must be AC followed by 32 hex digits',
    );
    expect(await page.$eval('#p-secret', (e) => (e as unknown as InputLike).value)).toBe('');
    await page.screenshot({ path: new URL('providers-error.png', RESULTS).pathname });
    expect(pageErrors).toEqual([]);
  });

  it('takes an FCM key file for push: its field errors next to it, the pasted key cleared', async () => {
    await page.select('form[aria-label="Add or replace a provider"] select', 'push');
    await page.waitForSelector('textarea#p-secret');
    await page.$eval('#p-name', (e) => {
      (e as unknown as InputLike).value = '';
    });
    await page.type('#p-name', 'fcm-2');
    const wrong = { ...serviceAccount, client_email: 'someone@example.com' };
    await page.$eval(
      '#p-secret',
      (e, text) => {
        (e as unknown as InputLike).value = text;
        e.dispatchEvent(new Event('input', { bubbles: true }));
      },
      JSON.stringify(wrong),
    );
    await page.click('form[aria-label="Add or replace a provider"] button[type="submit"]');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.field-error')].some((e) =>
        (e.textContent ?? '').startsWith('client_email:'),
      ),
    );
    expect(await page.$eval('#p-secret', (e) => (e as unknown as InputLike).value)).toBe('');
    expect(await page.content()).not.toContain('PRIVATE KEY');
    await page.screenshot({ path: new URL('providers-push-error.png', RESULTS).pathname });
    expect(await criticalViolations()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
