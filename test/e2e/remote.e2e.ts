import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CorchEvent } from '../../src/protocol/events.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { cliEnv, killAll, runCli, spawnCli, startServeProcess, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('corch-e2e-remote-');
});
afterEach(() => killAll());
afterAll(() => tmp.remove());

async function status(url: string, id: string): Promise<StreamState> {
  return (await fetch(`${url}/api/stream/status/${id}`).then((r) => r.json())) as StreamState;
}

/**
 * A TCP proxy in front of the server whose open connections the test can cut, as a flaky network or a
 * restarting load balancer would, while the server (and the stream) lives on.
 */
async function startProxy(target: URL): Promise<{ url: string; cut: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      sockets.clear();
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('run against a corch serve process', () => {
  it('SIGINT mid-run cancels the stream on the server and exits 3', async () => {
    const { url } = await startServeProcess(cliEnv(tmp.dir));
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const run = spawnCli(
      ['run', 'a task', '--base-url', url, '--provider', 'simulated', '--provider-option', 'fail_stage=coder', '--provider-option', 'fail_mode=hang', '--events', 'e.ndjson'],
      { env, cwd: tmp.dir },
    );
    await run.waitFor(/Coder/);
    const first = JSON.parse(readFileSync(join(tmp.dir, 'e.ndjson'), 'utf8').split('\n')[0] ?? '{}') as CorchEvent;
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(3);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
    // It waited for the server's confirmation: the log ends with the cancellation.
    const last = JSON.parse(readFileSync(join(tmp.dir, 'e.ndjson'), 'utf8').trimEnd().split('\n').at(-1) ?? '{}') as CorchEvent;
    expect(last).toMatchObject({ event: 'task_error', data: { code: 'E_CANCELLED' } });
    expect((await status(url, first.data.stream_id)).status).toBe('cancelled');
  });

  it('survives dropped connections by reconnecting with Last-Event-ID, losing nothing', async () => {
    const { url } = await startServeProcess(cliEnv(tmp.dir));
    const proxy = await startProxy(new URL(url));
    try {
      const env = cliEnv(tmp.dir, { CI: 'true' });
      const run = spawnCli(
        ['run', 'a task', '--base-url', proxy.url, '--provider', 'simulated', '--provider-option', 'tokens_per_second=300', '--events', 'r.ndjson'],
        { env, cwd: tmp.dir },
      );
      await run.waitFor(/Architect/);
      expect(proxy.cut()).toBeGreaterThan(0);
      await run.waitFor(/reconnected/);
      await run.waitFor(/Coder/);
      proxy.cut();
      const exit = await run.exited;
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stderr).toMatch(/nothing was lost/);
      const events = readFileSync(join(tmp.dir, 'r.ndjson'), 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as CorchEvent)
        .filter((e) => e.event !== 'heartbeat');
      // Every stored event exactly once, in order.
      expect(events.map((e) => e.data.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)?.event).toBe('task_completed');
    } finally {
      await proxy.close();
    }
  });

  it('run --detach, then status, attach and cancel by id', async () => {
    const { url } = await startServeProcess(cliEnv(tmp.dir));
    const env = cliEnv(tmp.dir, { CI: 'true', CORCH_BASE_URL: url });
    const detached = await runCli(['run', 'a task', '--detach', '--provider', 'simulated', '--provider-option', 'tokens_per_second=0'], { env });
    expect(detached.code, detached.stderr).toBe(0);
    const id = detached.stdout.trim();
    const attached = await runCli(['attach', id, '--progress', 'json'], { env });
    expect(attached.code, attached.stderr).toBe(0);
    expect(attached.stdout.trimEnd().split('\n').at(-1)).toContain('task_completed');
    const state = await runCli(['status', id, '--json'], { env });
    expect(JSON.parse(state.stdout).status).toBe('completed');
    const cancelled = await runCli(['cancel', id], { env });
    expect(cancelled).toMatchObject({ code: 0, stderr: `${id} had already ended: completed\n` });
  });
});
