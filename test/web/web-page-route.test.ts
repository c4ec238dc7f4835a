import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { providerOffer } from '../../src/providers/provider-offer.js';
import { WEB_PAGE_CSP, type WebAssets } from '../../src/server/web-page.js';
import { closeServers, serve } from '../integration/server-harness.js';

afterEach(closeServers);

const BIG_SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;
const ASSETS: WebAssets = {
  '/index.html': { type: 'text/html; charset=utf-8', body: '<!doctype html><title>corch</title><script type="module" src="/assets/app-1.js"></script>' },
  '/assets/app-1.js': { type: 'text/javascript; charset=utf-8', body: BIG_SCRIPT },
};

/** A raw GET (fetch would decompress and hide Content-Encoding). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web page route', () => {
  it('serves the page at / and at a run URL with a strict CSP, and is not cached', async () => {
    const server = await serve({ webAssets: ASSETS });
    for (const path of ['/', '/runs/3f8a-b2', '/runs/3f8a-b2/']) {
      const res = await get(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(WEB_PAGE_CSP);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body.toString()).toContain('<title>corch</title>');
    }
    expect(WEB_PAGE_CSP).toContain("script-src 'self'");
    expect(WEB_PAGE_CSP).not.toContain('unsafe');
  });

  it('serves hashed files for a year, gzipped when the browser accepts it', async () => {
    const server = await serve({ webAssets: ASSETS });
    const plain = await get(`${server.url}/assets/app-1.js`);
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(BIG_SCRIPT);
    const zipped = await get(`${server.url}/assets/app-1.js`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(Number(zipped.headers['content-length'])).toBeLessThan(plain.body.length);
    expect(gunzipSync(zipped.body).toString()).toBe(BIG_SCRIPT);
  });

  it('answers a missing file and a server without a page (--no-ui) with the JSON error shape', async () => {
    const withPage = await serve({ webAssets: ASSETS });
    const missing = await get(`${withPage.url}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString())).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no file /assets/nope.js in the web page' } });
    const post = await fetch(`${withPage.url}/`, { method: 'POST' });
    expect(post.status).toBe(405);

    const without = await serve();
    const res = await get(`${without.url}/`);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString()).error.message).toMatch(/no web page \(it was started with --no-ui\)/);
  });

  it('is open on a keyed server (the page asks for the key), while the API still needs it', async () => {
    const server = await serve({ webAssets: ASSETS, apiKey: 'sekret', providers: providerOffer({}, { provider: 'simulated' }) });
    expect((await get(`${server.url}/`)).status).toBe(200);
    expect((await get(`${server.url}/assets/app-1.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/providers`)).status).toBe(401);
    const offer = await fetch(`${server.url}/api/providers`, { headers: { authorization: 'Bearer sekret' } });
    expect(await offer.json()).toEqual({
      default_provider: 'simulated',
      providers: [{ name: 'simulated', default_model: 'simulated', models: ['simulated'], reason: 'default' }],
    });
  });

  it('GET /api/providers lists nothing on a server given no offer', async () => {
    const server = await serve();
    expect(await (await fetch(`${server.url}/api/providers`)).json()).toEqual({ default_provider: null, providers: [] });
  });
});
