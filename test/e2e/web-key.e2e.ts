import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { closeWebServers, collectPageErrors, startWebServer, waitForPhase } from './web-harness.js';

const KEY = 'a-long-enough-test-key-0123456789';

let browser: TestBrowser;
beforeAll(async () => {
  if (!chromiumMissing) browser = await launchBrowser();
});
afterAll(async () => browser?.close());
afterEach(closeWebServers);

describe.skipIf(chromiumMissing)('the web page on a server with an API key', () => {
  it('asks for the key, refuses a wrong one, keeps the right one for the tab, and streams with it in a header', async () => {
    const server = await startWebServer({ apiKey: KEY });
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const streamHeaders: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/stream/events/')) streamHeaders.push(request.headers().authorization);
    });
    await page.goto(`${server.url}/`);

    await page.getByRole('heading', { name: 'API key' }).waitFor();
    expect(await page.getByRole('alert').first().textContent()).toContain('This corch server needs an API key.');
    await page.getByRole('button', { name: 'Use key' }).click();
    expect(await page.locator('#api-key-error').textContent()).toMatch(/^Enter the key the server was started with/);
    await page.locator('#api-key').fill('wrong-key');
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByText('The server refused this key.').waitFor();

    await page.locator('#api-key').fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByLabel('Task').fill('A keyed run');
    await page.getByRole('button', { name: 'Run' }).click();
    await waitForPhase(page, 'completed');
    expect(streamHeaders.length).toBeGreaterThan(0);
    expect(streamHeaders.every((value) => value === `Bearer ${KEY}`)).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('corch.apiKey'))).toBe(KEY);

    // The same tab after a reload still has it; another tab (its own session) is asked again.
    await page.reload();
    await waitForPhase(page, 'completed');
    const other = await context.newPage();
    await other.goto(page.url());
    await other.getByRole('heading', { name: 'API key' }).waitFor();
    // 401s are the expected answers before the key; nothing else may fail.
    expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
    await context.close();
  });
});
