/** The WebSocket route as a real browser uses it: headless Chromium's own WebSocket, no client library. */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WS_CLOSE } from '../../src/protocol/ws.js';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { ScriptedRunner, scriptedEvents } from '../helpers/scripted-runner.js';
import { closeServers, createStream, range, serve, waitUntil } from './server-harness.js';

const TOTAL = scriptedEvents().length;
const API_KEY = 'browser-key-0123456789';

interface BrowserRead {
  ids: (number | null)[];
  events: string[];
  code: number;
  reason: string;
  protocol: string;
}

/** Runs in the page: follows `url` with the page's WebSocket until it closes. */
function followInPage(page: Page, url: string, protocols: string[]): Promise<BrowserRead> {
  return page.evaluate(
    ({ url, protocols }) =>
      new Promise<BrowserRead>((resolve) => {
        const ws = new WebSocket(url, protocols);
        const read: BrowserRead = { ids: [], events: [], code: 0, reason: '', protocol: '' };
        ws.onopen = () => {
          read.protocol = ws.protocol;
        };
        ws.onmessage = (message) => {
          const parsed = JSON.parse(String(message.data)) as { id?: number; event: string };
          read.ids.push(parsed.id ?? null);
          read.events.push(parsed.event);
        };
        ws.onclose = (event) => {
          read.code = event.code;
          read.reason = event.reason;
          resolve(read);
        };
      }),
    { url, protocols },
  );
}

/** The key as the browser offers it: base64url, no padding (what the web page and docs do). */
function keyProtocol(key: string): string {
  return `corch.key.${Buffer.from(key).toString('base64url')}`;
}

describe.skipIf(chromiumMissing !== undefined)('a browser’s WebSocket on /api/stream/ws', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(closeServers);

  async function pageAt(origin: string): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A page of the server's own origin: its WebSocket sends that Origin.
    await page.goto(`${origin}/healthz`);
    return page;
  }

  it('follows a run with the key offered as a subprotocol, late join and reconnects at every k included', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const server = await serve({ runner, apiKey: API_KEY });
    const created = await createStream(server, { task: 't' }, { authorization: `Bearer ${API_KEY}` });
    runner.release(created.stream_id, 3);
    await waitUntil(async () => (await server.manager.get(created.stream_id))?.last_event_id === 3);
    const page = await pageAt(server.url);
    const url = `${server.url.replace('http', 'ws')}/api/stream/ws/${created.stream_id}`;
    const live = followInPage(page, url, ['corch', keyProtocol(API_KEY)]);
    await waitUntil(async () => {
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { connections: { ws: number } };
      return health.connections.ws === 1;
    }, 'the browser to connect');
    runner.release(created.stream_id, TOTAL);
    const read = await live;
    expect(read.ids).toEqual(range(1, TOTAL));
    expect(read.events.at(-1)).toBe('task_completed');
    expect(read.code).toBe(WS_CLOSE.ENDED);
    expect(read.protocol).toBe('corch');
    for (const k of [1, Math.floor(TOTAL / 2), TOTAL - 1]) {
      const resumed = await followInPage(page, `${url}?last_event_id=${k}`, ['corch', keyProtocol(API_KEY)]);
      expect(resumed.ids).toEqual(range(k + 1, TOTAL));
    }
  });

  it('sees the documented close code for an unknown stream, and is refused without the key', async () => {
    const server = await serve({ apiKey: API_KEY });
    const page = await pageAt(server.url);
    const base = `${server.url.replace('http', 'ws')}/api/stream/ws`;
    const unknown = await followInPage(page, `${base}/nope`, ['corch', keyProtocol(API_KEY)]);
    expect(unknown.code).toBe(WS_CLOSE.NOT_FOUND);
    expect(unknown.reason).toMatch(/^E_NOT_FOUND/);
    // Refused before the upgrade (HTTP 401): a browser only sees an abnormal close.
    const refused = await followInPage(page, `${base}/nope`, ['corch', keyProtocol('wrong')]);
    expect(refused.code).toBe(1006);
    expect(refused.ids).toEqual([]);
  });

  it('is refused from a page of another origin', async () => {
    const server = await serve();
    const created = await createStream(server);
    await server.manager.whenSettled(created.stream_id);
    const other = await serve();
    // Same host, other port: another origin, as far as the server is concerned.
    const page = await pageAt(other.url);
    const url = `${server.url.replace('http', 'ws')}/api/stream/ws/${created.stream_id}`;
    const refused = await followInPage(page, url, ['corch']);
    expect(refused.code).toBe(1006);
    expect(refused.ids).toEqual([]);
    const own = await followInPage(await pageAt(server.url), url, ['corch']);
    expect(own.ids).toEqual(range(1, TOTAL));
  });
});
