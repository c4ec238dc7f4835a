import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';
import { closeServers, createStream, serve } from './server-harness.js';

// A real headless Chromium on a page of another site (attacker.test, mapped to 127.0.0.1) tries what
// DESIGN §9 forbids against a key-less corch server: start a run with a no-cors text/plain POST (sent
// without a preflight), cancel one, read the list and a stream; and, by DNS rebinding, read the list
// under its own name.

let browser: TestBrowser | undefined;
const pages: Server[] = [];

beforeAll(async () => {
  if (chromiumMissing) return;
  browser = await launchBrowser(['--host-resolver-rules=MAP attacker.test 127.0.0.1, MAP rebound.test 127.0.0.1']);
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await closeServers();
  await Promise.all(pages.splice(0).map((page) => new Promise((resolve) => page.close(resolve))));
});

interface Attack {
  target: string;
  streamId: string;
  eventsUrl: string;
}

/** The attack page's script: runs each attempt against `attack.target` and leaves the results in `window.results`. */
function attackScript(attack: Attack): string {
  return `
    const target = ${JSON.stringify(attack.target)};
    const results = {};
    const attempt = async (name, run) => { try { results[name] = await run(); } catch (e) { results[name] = 'blocked: ' + e.name; } };
    (async () => {
      await attempt('start', () => fetch(target + '/api/stream/task', { method: 'POST', mode: 'no-cors',
        headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ task: 'spend the keys' }) }).then((r) => r.type));
      await attempt('cancel', () => fetch(target + '/api/stream/${attack.streamId}/cancel', { method: 'POST', mode: 'no-cors' }).then((r) => r.type));
      await attempt('list', () => fetch(target + '/api/streams').then((r) => r.text()));
      await attempt('events', () => new Promise((resolve) => {
        const source = new EventSource(target + '${attack.eventsUrl}');
        source.onmessage = (m) => { source.close(); resolve('read: ' + m.data); };
        source.onerror = () => { source.close(); resolve('blocked'); };
      }));
      window.results = results;
    })();`;
}

/** Starts the other site (attacker.test:port); its page attacks whatever `attack` says when it is loaded. */
async function attackerSite(attack: Attack): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>attacker</title><script>${attackScript(attack)}</script>`);
  });
  pages.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://attacker.test:${(server.address() as AddressInfo).port}/`;
}

/** Loads the page in a fresh context and returns what its script saw. */
async function runAttack(site: string): Promise<Record<string, string>> {
  const context = await browser!.newContext();
  try {
    const page = await context.newPage();
    await page.goto(site);
    // Strings, not functions: they run in the page, where the test's TypeScript has no DOM types.
    await page.waitForFunction('window.results !== undefined', undefined, { timeout: 10_000 });
    return (await page.evaluate('window.results')) as Record<string, string>;
  } finally {
    await context.close();
  }
}

describe.skipIf(chromiumMissing)('a page on another site, in a real Chromium', () => {
  it('can neither start, cancel nor read runs on a key-less server', async () => {
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }) });
    const { stream_id, events_url } = await createStream(server);
    const seen: { method: string; origin: string | undefined }[] = [];
    server.httpServer.on('request', (req) => seen.push({ method: req.method ?? '', origin: req.headers.origin }));

    const site = await attackerSite({ target: server.url, streamId: stream_id, eventsUrl: events_url });
    const results = await runAttack(site);

    // The browser did send the requests (no-cors needs no preflight), with its origin…
    const origin = new URL(site).origin;
    expect(seen.filter((r) => r.method === 'POST').map((r) => r.origin)).toEqual([origin, origin]);
    // …and the server acted on none of them.
    expect(server.manager.counts().total).toBe(1);
    expect((await server.manager.get(stream_id))?.status).toBe('initializing');
    expect(results.list).toBe('blocked: TypeError');
    expect(results.events).toBe('blocked');
    await server.manager.cancel(stream_id);
  });

  it('cannot read the server under a rebound name (DNS rebinding)', async () => {
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }) });
    const { stream_id } = await createStream(server);
    const context = await browser!.newContext();
    const page = await context.newPage();
    const response = await page.goto(`http://rebound.test:${server.port}/api/streams`);
    const text = (await page.evaluate('document.body.innerText')) as string;
    await context.close();
    expect(response?.status()).toBe(403);
    expect(text).toContain('E_FORBIDDEN_HOST');
    expect(text).not.toContain(stream_id);
    await server.manager.cancel(stream_id);
  });

  it('can read the list once its origin is allowed with corsOrigin (the control), but still not start runs with text/plain', async () => {
    const attack: Attack = { target: '', streamId: '', eventsUrl: '' };
    const site = await attackerSite(attack);
    const server = await serve({ runner: new ScriptedRunner({ pace: 'manual' }), corsOrigin: new URL(site).origin });
    const created = await createStream(server);
    Object.assign(attack, { target: server.url, streamId: created.stream_id, eventsUrl: created.events_url });
    const results = await runAttack(site);
    expect(results.list).toContain(created.stream_id);
    // A no-cors text/plain POST is still refused: not JSON.
    expect(server.manager.counts().total).toBe(1);
    for (const { stream_id } of await server.manager.list()) await server.manager.cancel(stream_id);
  });
});
