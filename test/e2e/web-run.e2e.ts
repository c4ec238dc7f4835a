import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import {
  closeWebServers,
  collectPageErrors,
  createRun,
  screenshotPath,
  serverOutputs,
  startWebServer,
  waitForPhase,
} from './web-harness.js';

let browser: TestBrowser;
beforeAll(async () => {
  if (!chromiumMissing) browser = await launchBrowser();
});
afterAll(async () => browser?.close());
afterEach(closeWebServers);

describe.skipIf(chromiumMissing)('the web page in Chromium', () => {
  it('starts a run from the form with the keyboard, streams tokens before the stage completes, and finishes', async () => {
    const server = await startWebServer();
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.url}/`);

    // Keyboard only: Tab into Task, type; Context; then Enter on Run.
    await page.getByLabel('Task').focus();
    await page.keyboard.type('A CLI that converts CSV to JSON');
    await page.keyboard.press('Tab');
    await page.keyboard.type('{"language": "python"');
    await expect.poll(() => page.locator('#field-context-error').textContent(), { timeout: 10_000 }).toMatch(/^Context is not valid JSON/);
    await page.keyboard.type('}');
    await expect.poll(() => page.locator('#field-context-error').textContent(), { timeout: 10_000 }).toBe('');
    await page.getByRole('button', { name: 'Run' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/runs\/[A-Za-z0-9_-]+$/);
    const streamId = new URL(page.url()).pathname.split('/').pop() ?? '';

    // Tokens are in the page while the first stage is still working (one DOM read, so both hold at once).
    const during = await page.waitForFunction(() => {
      const live = document.querySelector('.live-text')?.textContent ?? '';
      const first = document.querySelector('.stage[data-chunk="1"]')?.getAttribute('data-status');
      return live.length > 20 && first === 'working' ? { live, first } : null;
    });
    expect(await during.jsonValue()).toMatchObject({ first: 'working' });

    await waitForPhase(page, 'completed');
    const outputs = await serverOutputs(server.url, streamId);
    const status = (await (await fetch(`${server.url}/api/stream/status/${streamId}`)).json()) as { task: string; last_event_id: number; result: string };
    expect(status.task).toBe('A CLI that converts CSV to JSON');
    expect(Number(await page.locator('main.run').getAttribute('data-events'))).toBe(status.last_event_id);
    expect(await page.locator('.stage[data-status="done"]').count()).toBe(Object.keys(outputs).length);

    // The result as rendered Markdown: highlighted code and copy buttons.
    const result = page.locator('section.result');
    await expect.poll(() => result.locator('.code-block .tok-kw').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await result.getByRole('button', { name: 'Copy result' }).count()).toBe(1);
    const firstCodeLine = status.result.split('\n').find((line) => line.startsWith('//')) ?? '';
    expect(await result.textContent()).toContain(firstCodeLine);
    // The review as a checklist.
    expect(await page.locator('.review input[type="checkbox"]').count()).toBeGreaterThan(0);

    // A finished agent's full output is one click away.
    const architect = page.locator('.stage[data-chunk="1"] summary');
    await architect.click();
    const firstLineOfOutput = (outputs[1] ?? '').split('\n').find((line) => /^[A-Za-z]/.test(line)) ?? '';
    await expect.poll(() => page.locator('.stage[data-chunk="1"] .stage-output').textContent(), { timeout: 10_000 }).toContain(firstLineOfOutput.slice(0, 30));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reloaded mid-run, shows the whole run: every event, every output', async () => {
    const server = await startWebServer();
    const { stream_id: id } = await createRun(server.url, { task: 'A rate limiter', provider_options: { tokens_per_second: 80 } });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/runs/${id}`);
    await page.locator('.stage[data-chunk="2"]:not([data-status="waiting"])').waitFor();
    expect(await page.locator('main.run').getAttribute('data-phase')).toBe('running');
    await page.reload();
    await waitForPhase(page, 'completed');
    const status = (await (await fetch(`${server.url}/api/stream/status/${id}`)).json()) as { last_event_id: number };
    expect(Number(await page.locator('main.run').getAttribute('data-events'))).toBe(status.last_event_id);
    const outputs = await serverOutputs(server.url, id);
    for (const chunk of Object.keys(outputs)) {
      expect(await page.locator(`.stage[data-chunk="${chunk}"]`).getAttribute('data-status')).toBe('done');
    }
    await context.close();
  });

  it('Cancel cancels the run on the server', async () => {
    const server = await startWebServer();
    const { stream_id: id } = await createRun(server.url, { task: 'A slow one', provider_options: { tokens_per_second: 20 } });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/runs/${id}`);
    await page.locator('.stage[data-chunk="1"][data-status="working"]').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitForPhase(page, 'cancelled');
    expect(await page.locator('main.run').textContent()).toContain('E_CANCELLED');
    const status = (await (await fetch(`${server.url}/api/stream/status/${id}`)).json()) as { status: string };
    expect(status.status).toBe('cancelled');
    await context.close();
  });

  it('shows the candidates of a consensus stage side by side while they stream', async () => {
    const server = await startWebServer();
    const { stream_id: id } = await createRun(server.url, {
      task: 'A slugify function',
      stages: { coder: { candidates: 2 } },
      provider_options: { tokens_per_second: 60, review_rounds: 0 },
    });
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/runs/${id}`);
    const boxes = page.locator('.candidates .live-text[data-streaming="true"]');
    await expect.poll(() => boxes.count(), { timeout: 30_000 }).toBe(2);
    expect(await page.locator('.candidates .pane-caption').allTextContents()).toEqual(['Coder · candidate 1 of 2', 'Coder · candidate 2 of 2']);
    expect(await page.getByRole('status').textContent()).toMatch(/^Coder: 2 candidates working/);
    await server.manager.cancel(id);
    await context.close();
  });

  it('keeps the page still while tokens stream, and fits 360 px', async () => {
    const server = await startWebServer();
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __shift: number };
      w.__shift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
          if (!entry.hadRecentInput) w.__shift += entry.value;
        }
      }).observe({ type: 'layout-shift', buffered: true });
    });
    // Started from the page itself, so every stage streams while the page is open, however slow the machine.
    await page.goto(`${server.url}/`);
    await page.getByLabel('Task').fill('A tokenizer');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('main.run h1', { hasText: 'A tokenizer' }).waitFor();
    const before = await page.evaluate(() => (window as unknown as { __shift: number }).__shift);
    await page.locator('.stage[data-chunk="3"]:not([data-status="waiting"])').waitFor();
    const during = await page.evaluate(() => (window as unknown as { __shift: number }).__shift);
    // Layout shift score while stages streamed (0 = nothing moved; 0.1 is the "good" bound of Web Vitals).
    expect(during - before).toBeLessThan(0.01);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await waitForPhase(page, 'completed');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await context.close();
  });

  it('saves screenshots of the runs list and of a run, light and dark', async () => {
    const server = await startWebServer();
    for (const task of ['A CSV to JSON converter', 'A rate limiter with a token bucket', 'A tiny HTTP router']) {
      await createRun(server.url, { task, provider_options: { tokens_per_second: 0 } });
    }
    const { stream_id: id } = await createRun(server.url, { task: 'An LRU cache with TTL', context: { language: 'typescript' }, provider_options: { tokens_per_second: 0 } });
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme: scheme });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.locator('.run-item').nth(3).waitFor();
      await page.screenshot({ path: screenshotPath(`web-runs-${scheme}.png`) });
      await page.goto(`${server.url}/runs/${id}`);
      await waitForPhase(page, 'completed');
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(scheme === 'dark' ? 'rgb(15, 18, 22)' : 'rgb(246, 247, 249)');
      await page.screenshot({ path: screenshotPath(`web-run-${scheme}.png`), fullPage: false });
      await context.close();
    }
  });
});
