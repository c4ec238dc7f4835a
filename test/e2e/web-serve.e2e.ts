import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinary } from './binary.js';
import { cliEnv, corchBin, killAll, spawnCommand, startServeProcess, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('corch-e2e-web-serve-');
});
afterEach(() => killAll());
afterAll(() => tmp.remove());

/** Fetches the page and every file it names; returns the HTML's headers and the files' statuses. */
async function fetchPage(url: string): Promise<{ status: number; csp: string | null; files: Record<string, number> }> {
  const page = await fetch(`${url}/`);
  const html = await page.text();
  const files: Record<string, number> = {};
  for (const [, path] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
    if (path) files[path] = (await fetch(`${url}${path}`)).status;
  }
  return { status: page.status, csp: page.headers.get('content-security-policy'), files };
}

describe('corch serve and its web page', () => {
  it('serves the built page at / and prints its URL; --no-ui turns it off', async () => {
    const { proc, url } = await startServeProcess(cliEnv(tmp.dir));
    await proc.waitFor(/web page at http:\/\/127\.0\.0\.1:\d+\//);
    const page = await fetchPage(url);
    expect(page.status).toBe(200);
    expect(page.csp).toMatch(/^default-src 'none'; script-src 'self'/);
    expect(Object.keys(page.files).some((path) => path.endsWith('.js'))).toBe(true);
    expect(Object.keys(page.files).some((path) => path.endsWith('.css'))).toBe(true);
    expect(Object.values(page.files).every((status) => status === 200)).toBe(true);
    // Code shared with the server (protocol, client, reducer) must not lean on Node in the browser bundle.
    for (const path of Object.keys(page.files).filter((p) => p.endsWith('.js'))) {
      expect(await (await fetch(`${url}${path}`)).text()).not.toMatch(/\bBuffer\b|\bnode:[a-z]|\bprocess\.|\brequire\(/);
    }
    proc.child.kill('SIGTERM');
    await proc.exited;

    const off = await startServeProcess(cliEnv(tmp.dir), ['--no-ui']);
    expect((await fetch(`${off.url}/`)).status).toBe(404);
    off.proc.child.kill('SIGTERM');
    expect((await off.proc.exited).stdout).not.toContain('web page at');
  });

  it('the single binary carries the page inside it', async () => {
    const binary = ensureBinary(corchBin());
    const proc = spawnCommand(binary, ['serve', '--port', '0'], { env: cliEnv(tmp.dir), cwd: tmp.dir });
    const [url] = await proc.waitFor(/http:\/\/127\.0\.0\.1:\d+/);
    const page = await fetchPage(url ?? '');
    expect(page.status).toBe(200);
    expect(Object.keys(page.files).length).toBeGreaterThanOrEqual(2);
    expect(Object.values(page.files).every((status) => status === 200)).toBe(true);
    proc.child.kill('SIGTERM');
    await proc.exited;
  });
});
