import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebAssets } from '../../src/server/web-page.js';
import { chromiumMissing, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { ROOT } from './freshness.js';
import { corchBin } from './helpers.js';
import { closeWebServers, createRun, startWebServer } from './web-harness.js';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

let browser: TestBrowser;
let app: WebAssets;
let outDir: string;

/** Builds the fixture app with real React against the built `corch/react` entry (dist/react.mjs of the snapshot). */
async function buildHookApp(): Promise<WebAssets> {
  outDir = mkdtempSync(join(tmpdir(), 'corch-web-hook-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    root: join(ROOT, 'test/fixtures/web-hook'),
    define: { 'process.env.NODE_ENV': '"production"' },
    resolve: { alias: { 'corch/react': join(dirname(dirname(corchBin())), 'dist', 'react.mjs') } },
    build: { outDir, emptyOutDir: true, assetsInlineLimit: 0, modulePreload: { polyfill: false }, reportCompressedSize: false },
  });
  const assets: Record<string, { type: string; body: string }> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else assets[`/${relative(outDir, path)}`] = { type: TYPES[extname(path)] ?? 'application/octet-stream', body: readFileSync(path, 'utf8') };
    }
  };
  walk(outDir);
  return assets;
}

beforeAll(async () => {
  if (chromiumMissing) return;
  [browser, app] = await Promise.all([launchBrowser(), buildHookApp()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});
afterEach(closeWebServers);

interface View {
  react: string;
  phase: string;
  connection: string;
  events: number;
  lastSeq: number;
  rows: string[];
  outputs: number;
  result: number;
  error: string | null;
  cancelError: string | null;
}

async function view(page: Page): Promise<View> {
  return JSON.parse((await page.locator('#view').textContent()) ?? '{}') as View;
}

describe.skipIf(chromiumMissing)('useCollaborativeStream from corch/react, rendered by React', () => {
  it('follows a run live to its end, every event once', async () => {
    const server = await startWebServer({ webAssets: app });
    const { stream_id: id } = await createRun(server.url, { task: 'A hook test', provider_options: { tokens_per_second: 150 } });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/runs/${id}`);
    await expect.poll(async () => (await view(page)).rows.some((row) => row.endsWith(':working')), { timeout: 30_000 }).toBe(true);
    await expect.poll(async () => (await view(page)).phase, { timeout: 30_000 }).toBe('completed');
    const status = (await (await fetch(`${server.url}/api/stream/status/${id}`)).json()) as { last_event_id: number };
    const seen = await view(page);
    expect(seen.react).toMatch(/^19\./);
    expect(seen).toMatchObject({ connection: 'ended', events: status.last_event_id, lastSeq: status.last_event_id, error: null });
    expect(seen.outputs).toBe(seen.rows.filter((row) => row.endsWith(':done')).length);
    expect(seen.result).toBeGreaterThan(0);
    await context.close();
  });

  it('cancel() cancels the run, and the hook shows it ended cancelled', async () => {
    const server = await startWebServer({ webAssets: app });
    const { stream_id: id } = await createRun(server.url, { task: 'A slow hook test', provider_options: { tokens_per_second: 20 } });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/runs/${id}`);
    await expect.poll(async () => (await view(page)).phase, { timeout: 30_000 }).toBe('running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(async () => (await view(page)).phase, { timeout: 30_000 }).toBe('cancelled');
    expect(await view(page)).toMatchObject({ error: 'E_CANCELLED', cancelError: null, connection: 'ended' });
    await context.close();
  });

  it('follows nothing for a null id, and reports a missing run as an error', async () => {
    const server = await startWebServer({ webAssets: app });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    expect(await view(page)).toMatchObject({ phase: 'connecting', events: 0, connection: 'connecting' });
    await page.goto(`${server.url}/runs/no-such-run`);
    await expect.poll(async () => (await view(page)).connection, { timeout: 30_000 }).toBe('failed');
    await context.close();
  });
});
