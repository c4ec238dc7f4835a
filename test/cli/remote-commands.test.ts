import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { createRunner } from '../../src/orchestrator/index.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { fakeIo } from './fake-io.js';

// A real server on port 0 with the real orchestrator and the simulated provider, held open by a stage
// that hangs, so status and cancel see a running stream.
let server: RunningServer;
let dir: string;
const KEY = 'test-key-0123456789';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corch-remote-'));
  server = await startServer({ port: 0, apiKey: KEY, runner: createRunner({ env: {}, settings: { provider: 'simulated' } }) });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const corch = async (argv: string[], env: Record<string, string> = {}) => {
  const io = fakeIo(argv, { CORCH_CONFIG_DIR: dir, CORCH_BASE_URL: server.url, CORCH_API_KEY: KEY, ...env });
  const code = await runMain(io);
  return { code, out: io.stdout.text, err: io.stderr.text };
};

const hangingRun = ['--provider', 'simulated', '--provider-option', 'fail_stage=coder', '--provider-option', 'fail_mode=hang'];

async function waitFor(id: string, status: string): Promise<StreamState> {
  for (let i = 0; i < 100; i++) {
    const r = await corch(['status', id, '--json']);
    const state = JSON.parse(r.out) as StreamState;
    if (state.status === status) return state;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error(`stream ${id} never became ${status}`);
}

describe('run --detach, status, cancel against a server', () => {
  it('detach prints only the stream id on stdout; status and cancel follow it', async () => {
    const started = await corch(['run', 'a CSV parser', '--detach', ...hangingRun]);
    expect(started.code).toBe(EXIT.OK);
    const id = started.out.trim();
    expect(id).toMatch(/^\S+$/);
    expect(started.err).toContain(`corch attach ${id}`);

    await waitFor(id, 'running');
    const human = await corch(['status', id]);
    expect(human.code).toBe(EXIT.OK);
    expect(human.out).toMatch(new RegExp(`^stream {4}${id}\\ntask {6}a CSV parser\\nstatus {4}running`));

    const cancelled = await corch(['cancel', id]);
    expect(cancelled).toMatchObject({ code: EXIT.OK, out: '' });
    expect(cancelled.err).toBe(`${id} cancelled\n`);
    expect((await waitFor(id, 'cancelled')).error_message).toBeTruthy();

    const again = await corch(['cancel', id]);
    expect(again.err).toBe(`${id} had already ended: cancelled\n`);
  });

  it('flags win over the environment, which wins over config', async () => {
    await corch(['config', 'set', 'baseUrl', 'http://127.0.0.1:9']);
    // env (a live server) beats config (a dead port)
    const viaEnv = await corch(['run', 'x', '--detach', ...hangingRun]);
    expect(viaEnv.code).toBe(EXIT.OK);
    await corch(['cancel', viaEnv.out.trim()]);
    // the flag (a dead port) beats env
    const viaFlag = await corch(['status', 'abc', '--base-url', 'http://127.0.0.1:9']);
    expect(viaFlag.code).toBe(EXIT.UNREACHABLE);
    expect(viaFlag.err).toMatch(/^corch: cannot reach the corch server at http:\/\/127\.0\.0\.1:9/);
    expect(viaFlag.err.trim().split('\n')).toHaveLength(1);
    await corch(['config', 'unset', 'baseUrl']);
  });

  it('a wrong key exits 4 with one line saying what to do', async () => {
    const r = await corch(['status', 'abc'], { CORCH_API_KEY: 'wrong' });
    expect(r.code).toBe(EXIT.UNREACHABLE);
    expect(r.err).toBe(
      `corch: the corch server at ${server.url} answered 401: the API key was refused; ` +
        "pass the server's key with --api-key, CORCH_API_KEY or `corch config set apiKey <key>`\n",
    );
  });

  it('an unknown stream is reported in one line that says how to find ids', async () => {
    const r = await corch(['status', 'no-such-stream']);
    expect(r.code).toBe(EXIT.RUN_FAILED);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('`corch list` shows the ids');
  });

  it('list shows the streams newest first; --json keeps numbers numbers', async () => {
    const first = (await corch(['run', 'first task', '--detach', ...hangingRun])).out.trim();
    const second = (await corch(['run', 'second task', '--detach', ...hangingRun])).out.trim();
    const text = await corch(['list']);
    expect(text.code, text.err).toBe(EXIT.OK);
    const lines = text.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STREAM\s+STATUS\s+AGENT\s+AGE\s+TASK$/);
    const ids = lines.slice(1).map((line) => line.split(/\s+/)[0]);
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
    expect(lines.find((line) => line.startsWith(second))).toMatch(/ ago {2}second task$/);
    const json = await corch(['list', '--json']);
    const states = JSON.parse(json.out) as StreamState[];
    const state = states.find((s) => s.stream_id === second)!;
    expect(typeof state.total_chunks).toBe('number');
    expect(typeof state.last_event_id).toBe('number');
    for (const id of [first, second]) await corch(['cancel', id]);
  });

  it('attach --from-seq past the end of a finished stream says so', async () => {
    const id = (await corch(['run', 'a task', '--detach', '--provider', 'simulated', '--provider-option', 'tokens_per_second=0'])).out.trim();
    const done = await waitFor(id, 'completed');
    const r = await corch(['attach', id, '--from-seq', String(done.last_event_id + 5)]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err.split('\n')[0]).toBe(
      `corch: --from-seq ${done.last_event_id + 5} is past the end: stream ${id} ended (completed) after ${done.last_event_id} events; pass 1–${done.last_event_id}`,
    );
  });

  it('the --detach hint names --base-url when the server was given by flag', async () => {
    const r = await corch(['run', 'a task', '--detach', '--base-url', server.url, ...hangingRun], { CORCH_BASE_URL: '' });
    const id = r.out.trim();
    expect(r.err).toContain(`follow it with: corch attach ${id} --base-url ${server.url}`);
    await corch(['cancel', id]);
  });

  it('a request the server refuses (bad provider option) is a usage error', async () => {
    const r = await corch(['run', 'x', '--detach', '--provider', 'simulated', '--provider-option', 'warp=9']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(/^corch: .*warp/);
  });
});

describe('attach --transport ws', () => {
  it('follows a run over the WebSocket route to the same deliverable and events as over SSE', async () => {
    const started = await corch(['run', 'a tiny parser', '--detach', '--provider', 'simulated', '--provider-option', 'tokens_per_second=0']);
    const id = started.out.trim();
    const viaWs = await corch(['attach', id, '--transport', 'ws', '--progress', 'json']);
    const viaSse = await corch(['attach', id, '--progress', 'json']);
    expect(viaWs.code).toBe(EXIT.OK);
    const stored = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string; data: { seq: number } })
        .filter((event) => event.event !== 'heartbeat');
    expect(stored(viaWs.out).map((event) => event.data.seq)).toEqual(stored(viaSse.out).map((event) => event.data.seq));
    expect(stored(viaWs.out).at(-1)?.event).toBe('task_completed');
    const fromFive = await corch(['attach', id, '--transport', 'ws', '--from-seq', '5', '--progress', 'json']);
    expect(stored(fromFive.out)[0]?.data.seq).toBe(5);
  });

  it('refuses an unknown transport, and reports an unknown stream and a wrong key in one line', async () => {
    const bad = await corch(['attach', 'abc', '--transport', 'carrier-pigeon']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.err).toMatch(/^corch: --transport must be one of sse, ws, got "carrier-pigeon"\nUsage: corch attach/);
    const unknown = await corch(['attach', 'no-such-stream', '--transport', 'ws', '--progress', 'json']);
    expect(unknown.code).toBe(EXIT.RUN_FAILED);
    expect(unknown.err).toMatch(/not found/);
    const wrongKey = await corch(['attach', 'abc', '--transport', 'ws', '--progress', 'json'], { CORCH_API_KEY: 'wrong' });
    expect(wrongKey.code).toBe(EXIT.UNREACHABLE);
    expect(wrongKey.err).toMatch(/answered 401: the API key was refused/);
  });
});
