import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { fakeIo } from './fake-io.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corch-serve-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function waitForUrl(read: () => string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const match = read().match(/http:\/\/127\.0\.0\.1:\d+/);
    if (match) return match[0];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no URL printed: ${read()}`);
}

describe('corch serve (in-process)', () => {
  it('passes its flags to the server, serves, and exits 0 on SIGTERM', async () => {
    const io = fakeIo(['serve', '--port', '0', '--max-streams', '3', '--provider', 'simulated'], { CORCH_CONFIG_DIR: dir });
    const done = runMain(io);
    const url = await waitForUrl(() => io.stdout.text);
    const health = (await fetch(`${url}/healthz`).then((r) => r.json())) as { streams?: { max?: number } };
    expect(health.streams?.max).toBe(3);
    // A task that names no provider runs on the server's default.
    const created = await fetch(`${url}/api/stream/task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'x', provider_options: { tokens_per_second: 0 } }),
    });
    expect(created.status).toBe(201);
    io.signal('SIGTERM');
    expect(await done).toBe(EXIT.OK);
    expect(io.listeners()).toBe(0);
  });

  it('refuses a bad flag with one line and the usage', async () => {
    const io = fakeIo(['serve', '--port', '70000'], { CORCH_CONFIG_DIR: dir });
    expect(await runMain(io)).toBe(EXIT.USAGE);
    expect(io.stderr.text.split('\n')[0]).toMatch(/^corch: `--port` must be 0–65535, got 70000$/);
    expect(io.stderr.text).toContain('Usage: corch serve [options]');
  });
});
