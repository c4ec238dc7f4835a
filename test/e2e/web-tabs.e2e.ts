import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { closeWebServers, createRun, startWebServer, waitForPhase } from './web-harness.js';

const TABS = 10;

let browser: TestBrowser;
beforeAll(async () => {
  if (!chromiumMissing) browser = await launchBrowser();
});
afterAll(async () => browser?.close());
afterEach(closeWebServers);

describe.skipIf(chromiumMissing)('ten tabs on one run', () => {
  it('all follow it live and end with the same, whole run', async () => {
    const server = await startWebServer();
    const { stream_id: id } = await createRun(server.url, { task: 'A shared run', provider_options: { tokens_per_second: 50 } });
    // One context each: a browser allows six HTTP/1.1 connections per host and profile, so ten tabs of one
    // profile would queue four event streams behind the others (docs/web.md says so).
    const contexts = await Promise.all(Array.from({ length: TABS }, () => browser.newContext({ viewport: { width: 800, height: 700 } })));
    const pages = await Promise.all(contexts.map((context) => context.newPage()));
    await Promise.all(pages.map((page) => page.goto(`${server.url}/runs/${id}`)));
    // Every tab follows the run live (not only the replay of a finished run): ten open streams while it runs.
    await Promise.all(pages.map((page) => page.locator('main.run h1', { hasText: 'A shared run' }).waitFor()));
    expect((await fetch(`${server.url}/healthz`).then((r) => r.json())) as { connections: { sse: number } }).toMatchObject({
      connections: { sse: TABS },
    });
    expect(((await (await fetch(`${server.url}/api/stream/status/${id}`)).json()) as { status: string }).status).toBe('running');
    await Promise.all(pages.map((page) => waitForPhase(page, 'completed')));

    const status = (await (await fetch(`${server.url}/api/stream/status/${id}`)).json()) as { last_event_id: number; result: string };
    const seen = await Promise.all(
      pages.map(async (page) => ({
        events: Number(await page.locator('main.run').getAttribute('data-events')),
        result: await page.locator('section.result .markdown').textContent(),
      })),
    );
    for (const tab of seen) {
      expect(tab.events).toBe(status.last_event_id);
      expect(tab.result).toBe(seen[0]?.result);
    }
    await Promise.all(contexts.map((context) => context.close()));
  });
});
