/**
 * Shared by the browser tests of the web page: a real server (the real orchestrator with the simulated
 * provider) on 127.0.0.1:0 serving the page built by `npm run build` (from the e2e snapshot of dist/), and
 * helpers to read the page. Each test file launches one Chromium (test/helpers/browser.ts).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { createRunner } from '../../src/orchestrator/index.js';
import type { CreatedStream } from '../../src/protocol/index.js';
import { providerOffer } from '../../src/providers/provider-offer.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server/index.js';
import type { WebAssets } from '../../src/server/web-page.js';
import { corchBin } from './helpers.js';
import { ROOT } from './freshness.js';

/** The page as built into the snapshot's dist/web-assets.mjs. */
export async function builtWebAssets(): Promise<WebAssets> {
  const file = join(dirname(dirname(corchBin())), 'dist', 'web-assets.mjs');
  const module = (await import(pathToFileURL(file).href)) as { webAssets: WebAssets };
  return module.webAssets;
}

const servers = new Set<RunningServer>();

/** A server with the page and the simulated provider as its default. */
export async function startWebServer(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const settings = { provider: 'simulated' as const };
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    runner: createRunner({ env: {}, settings }),
    webAssets: await builtWebAssets(),
    providers: providerOffer({}, settings),
    ...options,
  });
  servers.add(server);
  return server;
}

export async function closeWebServers(): Promise<void> {
  const all = [...servers];
  servers.clear();
  await Promise.all(all.map((server) => server.close()));
}

/** Starts a run through the API (the form has its own test). */
export async function createRun(
  baseUrl: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<CreatedStream> {
  const response = await fetch(`${baseUrl}/api/stream/task`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ provider: 'simulated', ...body }),
  });
  if (response.status !== 201) throw new Error(`create answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as CreatedStream;
}

/** Every stage's output as the server recorded it (`chunk_completed.output`), by chunk number. */
export async function serverOutputs(baseUrl: string, streamId: string): Promise<Record<number, string>> {
  const text = await (await fetch(`${baseUrl}/api/stream/events/${streamId}`)).text();
  const outputs: Record<number, string> = {};
  for (const match of text.matchAll(/^event: chunk_completed\ndata: (.*)$/gm)) {
    const data = JSON.parse(match[1] ?? '{}') as { chunk_number: number; output: string };
    outputs[data.chunk_number] = data.output;
  }
  return outputs;
}

/** The run view's phase (`data-phase`): connecting, waiting, running, completed, failed, cancelled. */
export function phaseOf(page: Page): Promise<string | null> {
  return page.locator('main.run').getAttribute('data-phase');
}

/** Waits until the run view shows `phase`. */
export async function waitForPhase(page: Page, phase: string, timeout = 30_000): Promise<void> {
  await page.locator(`main.run[data-phase="${phase}"]`).waitFor({ timeout });
}

/** Errors the page logged: a CSP violation or an uncaught exception fails the test that collects them. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/**
 * Where screenshots go: docs/ (used by the README) when CORCH_UPDATE_SCREENSHOTS=1, else a temporary
 * directory, so a test run does not rewrite tracked images in every checkout.
 */
export function screenshotPath(name: string): string {
  const dir = process.env.CORCH_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'images') : join(tmpdir(), 'corch-web-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
