/**
 * Three `corch serve --store redis://…` processes on one real redis-server (AOF on): any of them serves any
 * run; a cancel on one reaches the owner; SIGKILL of the owner mid-stage moves the run to another; Redis
 * restarting mid-run loses nothing; SIGTERM hands runs over. Every watcher's log is exactly 1..N.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { type CliProcess, cliEnv, killAll, sleep, startServeProcess, tempDir } from './helpers.js';
import { type FollowedEvent, followStream, oneTo } from './sse-follow.js';

/** Short leases, so a killed server's runs move in about a second (waited for, not asserted as time). */
const LEASE = ['--lease', '1.5', '--lease-renew', '0.5'];

interface Server {
  proc: CliProcess;
  url: string;
}

async function createRun(server: Server, tokensPerSecond: number): Promise<string> {
  const response = await fetch(`${server.url}/api/stream/task`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ task: 'a word counter', provider: 'simulated', provider_options: { tokens_per_second: tokensPerSecond } }),
  });
  if (response.status !== 201) throw new Error(`create answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { stream_id: string }).stream_id;
}

function expectOneRun(events: FollowedEvent[], terminal: string): void {
  expect(events.map((event) => event.id)).toEqual(oneTo(events.length));
  expect(events.filter((event) => event.event === 'task_started')).toHaveLength(1);
  expect(events.at(-1)?.event).toBe(terminal);
}

describe.skipIf(redisMissing)('several corch serve processes on one Redis', () => {
  let tmp: ReturnType<typeof tempDir>;
  let redis: TestRedis;
  let servers: Server[];
  const start = () => startServeProcess(cliEnv(tmp.dir), ['--store', redis.url, ...LEASE]);

  beforeAll(async () => {
    tmp = tempDir('corch-e2e-multi-');
    redis = await startRedis({ aof: true });
  });
  afterEach(() => killAll());
  afterAll(async () => {
    await redis?.close();
    tmp?.remove();
  });

  it('serves one run from three servers: watchers early, late and reconnecting see 1..N; a cancel on another reaches the owner', async () => {
    servers = await Promise.all([start(), start(), start()]);
    const [a, b, c] = servers as [Server, Server, Server];
    expect(a.proc.stderr()).toMatch(/corch serve: store redis:\/\/127\.0\.0\.1:\d+ \(instance /);
    const id = await createRun(a, 400);
    const early = followStream([b.url], id);
    const first = await followStream([b.url], id, { stopAfter: 5 });
    const resumed = followStream([c.url], id, { after: 5 });
    await sleep(300);
    const late = followStream([c.url], id);
    const [fromEarly, fromResumed, fromLate] = await Promise.all([early, resumed, late]);
    expectOneRun(fromEarly, 'task_completed');
    expect([...first, ...fromResumed].map((event) => event.id)).toEqual(oneTo(fromEarly.length));
    expect(fromLate.map((event) => event.id)).toEqual(oneTo(fromEarly.length));

    const slow = await createRun(a, 30);
    const watcher = followStream([b.url], slow);
    await sleep(200);
    const answer = await fetch(`${c.url}/api/stream/${slow}/cancel`, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ status: 'cancelled' });
    const cancelled = await watcher;
    expectOneRun(cancelled, 'task_error');
    expect(cancelled.at(-1)?.data).toMatchObject({ code: 'E_CANCELLED' });
    // The owner ended it: no other server took it over.
    expect(cancelled.some((event) => event.event === 'system_message' && /moved to instance/.test(String(event.data.message)))).toBe(false);
  });

  it('SIGKILL of the owner mid-stage: another server takes the run over and finishes it', async () => {
    servers = await Promise.all([start(), start()]);
    const [a, b] = servers as [Server, Server];
    const id = await createRun(a, 300);
    let killed = false;
    const events = await followStream([b.url], id, {
      onEvent: (event) => {
        if (!killed && event.event === 'chunk_started' && event.data.stage === 'coder') {
          killed = true;
          a.proc.child.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expectOneRun(events, 'task_completed');
    const moved = events.find((event) => event.event === 'system_message' && /moved to instance/.test(String(event.data.message)));
    expect(String(moved?.data.message)).toMatch(/stopped answering; the Coder stage restarts$/);
    expect(events.filter((event) => event.event === 'chunk_completed' && event.data.stage === 'architect')).toHaveLength(1);
  });

  it('Redis restarting mid-run (AOF on): appends wait, watchers resume from their cursor, nothing is lost', async () => {
    servers = await Promise.all([start(), start()]);
    const [a, b] = servers as [Server, Server];
    const id = await createRun(a, 200);
    let restarted = false;
    const events = await followStream([b.url, a.url], id, {
      onEvent: (event) => {
        if (!restarted && event.id === 10) {
          restarted = true;
          void redis.stop(true).then(async () => {
            await sleep(400);
            await redis.start();
          });
        }
      },
    });
    expect(restarted).toBe(true);
    expectOneRun(events, 'task_completed');
    // The watcher was sent away during the outage and came back from its cursor.
    expect(new Set(events.map((event) => event.response)).size).toBeGreaterThan(1);
    const status = await (await fetch(`${a.url}/api/stream/status/${id}`)).json();
    expect(status).toMatchObject({ status: 'completed', last_event_id: events.length });
  });

  it('SIGTERM hands the runs over at once instead of cancelling them', async () => {
    servers = await Promise.all([start(), start()]);
    const [a, b] = servers as [Server, Server];
    const id = await createRun(a, 200);
    let stopped = false;
    const events = await followStream([b.url], id, {
      onEvent: (event) => {
        if (!stopped && event.id === 8) {
          stopped = true;
          a.proc.child.kill('SIGTERM');
        }
      },
    });
    expectOneRun(events, 'task_completed');
    expect(events.some((event) => /handed it over \(it was shutting down\)/.test(String(event.data.message)))).toBe(true);
    expect((await a.proc.exited).code).toBe(0);
  });
});
