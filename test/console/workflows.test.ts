import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../console/build';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// The console's workflow views in a real browser against a local stack: the list of definitions
// and runs, a run's timeline, and cancelling a run that waits.

describe('console: workflows', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let runId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    const api = apiClient(stack);
    await api.request('PUT', '/v1/workflows/nudge', {
      steps: [
        { id: 'hello', type: 'send', channels: ['slack'], content: { slack: { text: 'hello' } } },
        { id: 'later', type: 'delay', duration: '1h' },
        { id: 'again', type: 'send', channels: ['slack'], content: { slack: { text: 'again' } } },
      ],
    });
    await api.post('/v1/workflows/nudge/publish', {});
    const trigger = await api.post('/v1/workflows/nudge/trigger', {
      to: [{ id: 'ops', slack: '#ops' }],
    });
    runId = (trigger.body.runs as { id: string }[])[0]?.id ?? '';
    browser = await puppeteer.launch({
      args: chromium.args.filter((arg) => !arg.startsWith('--lang')),
      executablePath: await chromium.executablePath(),
      headless: true,
    });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${stack.url}/console#/workflows`, { waitUntil: 'networkidle0' });
    await page.type('#api-key', stack.devApiKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('::-p-text(Forget key)');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const main = () => page.$eval('main', (m) => m.textContent ?? '');

  it('lists the workflow and its run, shows the run timeline, and cancels it', async () => {
    await waitFor(
      async () =>
        (await main()).includes('hello:send → later:delay → again:send') ? true : undefined,
      10_000,
      'the definition',
    );
    await page.goto(`${stack.url}/console#/workflows/${runId}`);
    await waitFor(
      async () => ((await main()).includes('delay 1h') ? true : undefined),
      10_000,
      'the timeline',
    );
    expect(await main()).toContain('hello (send)');
    await (await page.waitForSelector('::-p-text(Cancel run)'))?.click();
    await waitFor(
      async () => ((await main()).includes('nothing more is sent') ? true : undefined),
      10_000,
      'the cancel',
    );
    const run = (await apiClient(stack).get(`/v1/workflow-runs/${runId}`)).body as {
      status: string;
    };
    expect(run.status).toBe('cancelled');
    expect(pageErrors).toEqual([]);
  });
});
