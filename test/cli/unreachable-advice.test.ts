import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { fakeIo } from './fake-io.js';

// The client says what went wrong; the CLI adds advice that fits the command (only `run` has an embedded
// server to fall back on).
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corch-unreachable-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on: bound, then released. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const corch = async (argv: string[], env: Record<string, string> = {}) => {
  const io = fakeIo(argv, { CORCH_CONFIG_DIR: dir, CI: 'true', ...env }, { cwd: dir });
  const code = await runMain(io);
  return { code, err: io.stderr.text };
};

const BASE_URL_SOURCES = '--base-url, CORCH_BASE_URL or `corch config get baseUrl`';

describe('an unreachable server', () => {
  it('run: names the socket error and says that with no URL at all run uses an embedded server', async () => {
    const url = await deadUrl();
    const r = await corch(['run', 'x', '--detach'], { CORCH_BASE_URL: url });
    expect(r.code).toBe(EXIT.UNREACHABLE);
    expect(r.err).toBe(
      `corch: cannot reach the corch server at ${url} (ECONNREFUSED): is \`corch serve\` running there? ` +
        `Check ${BASE_URL_SOURCES}, or leave all three unset so run starts its own embedded server\n`,
    );
  });

  it.each(['status', 'attach', 'cancel'])('%s: points at the server that holds the stream, never at an embedded one', async (command) => {
    const url = await deadUrl();
    const r = await corch([command, 'str_1', '--base-url', url]);
    expect(r.code).toBe(EXIT.UNREACHABLE);
    // attach says where it is connecting first; the error is the last line.
    expect(`${r.err.trim().split('\n').at(-1)}\n`).toBe(
      `corch: cannot reach the corch server at ${url} (ECONNREFUSED): is \`corch serve\` running there? ` +
        `Check ${BASE_URL_SOURCES}: ${command} needs the server that holds the stream\n`,
    );
    expect(r.err).not.toContain('embedded');
  });

  it('a port fetch refuses to use is named as such', async () => {
    const r = await corch(['status', 'str_1'], { CORCH_BASE_URL: 'http://127.0.0.1:6000' });
    expect(r.code).toBe(EXIT.UNREACHABLE);
    expect(r.err).toMatch(/^corch: cannot reach the corch server at http:\/\/127\.0\.0\.1:6000: fetch refuses to connect to port 6000, /);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a server that wants a key: names the flag, the variable and the config key', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'E_UNAUTHORIZED', message: 'missing key' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await corch(['status', 'str_1', '--base-url', url]);
      expect(r.code).toBe(EXIT.UNREACHABLE);
      expect(r.err).toBe(
        `corch: the corch server at ${url} answered 401: it needs an API key; ` +
          "pass the server's key with --api-key, CORCH_API_KEY or `corch config set apiKey <key>`\n",
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
