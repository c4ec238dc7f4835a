import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServeOptions, serveCommand } from '../../src/cli/serve-command.js';
import type { CliIo } from '../../src/cli/io.js';
import type { RunningServer, ServerOptions } from '../../src/server/index.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';
import { closeServers, createStream, serve, subscribe } from './server-harness.js';

afterEach(closeServers);

type SignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGWINCH';

function fakeIo(env: Record<string, string | undefined> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const handlers = new Map<SignalName, Set<() => void>>();
  const io: CliIo = {
    argv: [],
    env,
    cwd: '/',
    stdin: new PassThrough(),
    stdout,
    stderr,
    onSignal(signal, handler) {
      const set = handlers.get(signal) ?? new Set();
      set.add(handler);
      handlers.set(signal, set);
      return () => set.delete(handler);
    },
  };
  return {
    io,
    stdout: () => out,
    stderr: () => err,
    signal: (name: SignalName) => {
      for (const handler of handlers.get(name) ?? []) handler();
    },
    listeners: (name: SignalName) => handlers.get(name)?.size ?? 0,
  };
}

/** Runs serveCommand with a stand-in startServer that records its options and never listens. */
async function optionsFor(options: ServeOptions, env: Record<string, string | undefined> = {}): Promise<ServerOptions> {
  const io = fakeIo(env);
  let seen: ServerOptions | undefined;
  const running = serveCommand(options, io.io, new ScriptedRunner(), {
    startServer: async (serverOptions) => {
      seen = serverOptions;
      return { url: 'http://stub', port: 1, close: async () => undefined } as unknown as RunningServer;
    },
  });
  await new Promise((resolve) => setImmediate(resolve));
  io.signal('SIGTERM');
  await running;
  if (!seen) throw new Error('startServer was not called');
  return seen;
}

describe('corch serve flags', () => {
  const bad: [ServeOptions, RegExp][] = [
    [{ port: '70000' }, /^`--port` must be 0–65535, got 70000$/],
    [{ port: 'eighty' }, /^`--port` must be 0–65535, got "eighty"$/],
    [{ port: '-1' }, /`--port` must be 0–65535/],
    [{ ttl: '0' }, /^`--ttl` must be a number of seconds greater than 0, got "0"$/],
    [{ ttl: 'soon' }, /`--ttl` must be a number of seconds/],
    [{ heartbeat: '-5' }, /`--heartbeat` must be a number of seconds greater than 0 and at most 3600/],
    [{ maxStreams: '0' }, /`--max-streams` must be an integer of at least 1, got 0/],
    [{ maxStreams: '2.5' }, /`--max-streams` must be an integer/],
    [{ corsOrigin: 'localhost:5173' }, /`--cors-origin` must be \* or origins such as http:\/\/localhost:5173/],
    [{ corsOrigin: 'http://a.test/path' }, /`--cors-origin`/],
    [{ host: '' }, /`--host` must not be empty/],
    [{ apiKey: ' ' }, /^`--api-key` is blank; give a key of at least 16 characters/],
    [{ apiKey: '' }, /^`--api-key` is blank/],
    [{ maxStreamBytes: 'lots' }, /^`--max-stream-bytes` must be a size such as 64MiB, 512KiB or 1048576 \(bytes\), got "lots"$/],
    [{ maxTotalBytes: '0' }, /^`--max-total-bytes` must be a size/],
    [{ maxTotalBytes: '5TB' }, /^`--max-total-bytes` must be a size/],
    [{ maxFinished: '0' }, /^`--max-finished` must be an integer of at least 1, got 0$/],
    [{ maxConnectionsPerPeer: 'x' }, /^`--max-connections-per-peer` must be an integer/],
    [{ allowedHost: ['http://corch.example.com'] }, /^`--allowed-host` must be a host name such as corch.example.com/],
    [{ disconnectGrace: '0' }, /^`--disconnect-grace` must be a number of seconds greater than 0, got "0"$/],
  ];
  for (const [options, message] of bad) {
    it(`rejects ${JSON.stringify(options)}`, async () => {
      const io = fakeIo();
      await expect(serveCommand(options, io.io, new ScriptedRunner())).rejects.toMatchObject({
        code: 'E_USAGE',
        message: expect.stringMatching(message),
      });
    });
  }

  it('passes valid flags on as numbers', async () => {
    const options = await optionsFor({
      host: '127.0.0.1',
      port: '0',
      ttl: '60',
      heartbeat: '2.5',
      maxStreams: '3',
      corsOrigin: 'http://localhost:5173, https://app.test',
    });
    expect(options).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      ttlSeconds: 60,
      heartbeatSeconds: 2.5,
      maxStreams: 3,
      corsOrigin: 'http://localhost:5173, https://app.test',
    });
    expect(options.apiKey).toBeUndefined();
  });

  it('passes --disconnect-grace on in seconds', async () => {
    expect(await optionsFor({ disconnectGrace: '5' })).toMatchObject({ disconnectGraceSeconds: 5 });
  });

  it('passes the bounds on: sizes in binary units, hosts repeatable or comma-separated', async () => {
    expect(
      await optionsFor({
        maxStreamBytes: '64MiB',
        maxTotalBytes: '1g',
        maxFinished: '50',
        maxConnectionsPerPeer: '8',
        allowedHost: ['corch.example.com, box.local', '*'],
      }),
    ).toMatchObject({
      maxStreamBytes: 64 * 1024 * 1024,
      maxTotalBytes: 1024 ** 3,
      maxFinished: 50,
      maxConnectionsPerPeer: 8,
      allowedHosts: ['corch.example.com', 'box.local', '*'],
    });
    expect(await optionsFor({ maxStreamBytes: '1048576' })).toMatchObject({ maxStreamBytes: 1048576 });
  });

  it('warns about an API key shorter than 16 characters, and not about a longer one', async () => {
    const short = fakeIo();
    const running = serveCommand({ apiKey: 'short-key' }, short.io, new ScriptedRunner(), {
      startServer: async () => ({ url: 'http://stub', port: 1, close: async () => undefined }) as unknown as RunningServer,
    });
    await new Promise((resolve) => setImmediate(resolve));
    short.signal('SIGTERM');
    await running;
    expect(short.stderr()).toMatch(/warning: the API key is only 9 characters and could be guessed; use 16 or more/);

    const long = fakeIo({ CORCH_API_KEY: '0123456789abcdef' });
    const again = serveCommand({}, long.io, new ScriptedRunner(), {
      startServer: async () => ({ url: 'http://stub', port: 1, close: async () => undefined }) as unknown as RunningServer,
    });
    await new Promise((resolve) => setImmediate(resolve));
    long.signal('SIGTERM');
    await again;
    expect(long.stderr()).not.toMatch(/warning/);
  });

  it('warns about a missing key only on a host others can reach, never when a long key is set', async () => {
    const stub = async () => ({ url: 'http://stub', port: 1, close: async () => undefined }) as unknown as RunningServer;
    const stderrOf = async (options: Parameters<typeof serveCommand>[0], env: Record<string, string> = {}) => {
      const io = fakeIo(env);
      const running = serveCommand(options, io.io, new ScriptedRunner(), { startServer: stub });
      await new Promise((resolve) => setImmediate(resolve));
      io.signal('SIGTERM');
      await running;
      return io.stderr();
    };
    expect(await stderrOf({ host: '0.0.0.0', insecure: true })).toMatch(/warning: no API key on 0\.0\.0\.0 \(--insecure\)/);
    expect(await stderrOf({ host: '0.0.0.0' }, { CORCH_API_KEY: '0123456789abcdef' })).not.toMatch(/warning/);
  });

  it('defaults to 127.0.0.1:8000', async () => {
    expect(await optionsFor({})).toMatchObject({ host: '127.0.0.1', port: 8000 });
  });

  it('takes the API key from the flag, then CORCH_API_KEY, then FAC_API_KEY', async () => {
    const env = { CORCH_API_KEY: 'from-corch', FAC_API_KEY: 'from-fac' };
    expect((await optionsFor({ apiKey: 'from-flag' }, env)).apiKey).toBe('from-flag');
    expect((await optionsFor({}, env)).apiKey).toBe('from-corch');
    expect((await optionsFor({}, { FAC_API_KEY: 'from-fac' })).apiKey).toBe('from-fac');
  });

  it('refuses a non-loopback host without an API key unless --insecure', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.test']) {
      await expect(serveCommand({ host }, fakeIo().io, new ScriptedRunner())).rejects.toMatchObject({
        code: 'E_USAGE',
        message: expect.stringMatching(/refusing to listen on .* without an API key/),
      });
    }
    expect(await optionsFor({ host: '0.0.0.0', insecure: true })).toMatchObject({ host: '0.0.0.0' });
    expect(await optionsFor({ host: '0.0.0.0' }, { CORCH_API_KEY: 'k' })).toMatchObject({ apiKey: 'k' });
    for (const host of ['localhost', '127.0.0.2', '::1', '[::1]']) {
      expect(await optionsFor({ host })).toMatchObject({ host });
    }
  });

  it('reports a port already in use as bad usage', async () => {
    const taken = await serve();
    const io = fakeIo();
    await expect(serveCommand({ port: String(taken.port) }, io.io, new ScriptedRunner())).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/already in use/),
    });
  });
});

describe('corch serve lifecycle', () => {
  it('prints its URL, serves, and on SIGINT cancels runs with E_SHUTDOWN and exits 0', async () => {
    const io = fakeIo();
    const runner = new ScriptedRunner({ pace: 'manual' });
    let server: RunningServer | undefined;
    const exit = serveCommand({ port: '0' }, io.io, runner, {
      onListening: (running) => {
        server = running;
      },
    });
    await new Promise<void>((resolve) => {
      const check = () => (server ? resolve() : setTimeout(check, 5));
      check();
    });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(io.stdout())?.[1];
    expect(url).toBe(server!.url);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const created = await createStream(server!);
    const subscription = await subscribe(server!.url + created.events_url);
    runner.release(created.stream_id, 2);
    io.signal('SIGINT');
    const messages = await subscription.untilTerminal();
    expect(messages.at(-1)?.event.data).toMatchObject({ code: 'E_SHUTDOWN' });
    expect(await exit).toBe(0);
    expect(io.stderr()).toMatch(/SIGINT received, shutting down/);
    expect(io.listeners('SIGINT')).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
