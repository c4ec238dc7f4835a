/**
 * The deployment docs/deploy.md describes, for real: Debian's nginx balancing two `corch serve --store
 * redis://…` processes. A client following a run through nginx has the server it reads from killed under
 * it; it reconnects through nginx with its Last-Event-ID, lands on the other server, and loses nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nginxMissing, startNginx, type TestNginx } from '../helpers/nginx.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { cliEnv, killAll, startServeProcess, tempDir } from './helpers.js';
import { followStream, oneTo } from './sse-follow.js';

const missing = redisMissing ?? nginxMissing;

describe.skipIf(missing)(`two servers behind nginx${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let tmp: ReturnType<typeof tempDir>;
  let redis: TestRedis;
  let nginx: TestNginx | undefined;
  beforeAll(async () => {
    tmp = tempDir('corch-e2e-nginx-');
    redis = await startRedis({ aof: true });
  });
  afterEach(async () => {
    killAll();
    await nginx?.close();
  });
  afterAll(async () => {
    await redis?.close();
    tmp?.remove();
  });

  it('a client whose server dies reconnects through nginx to the other one and loses nothing', async () => {
    const flags = ['--store', redis.url, '--lease', '1.5', '--lease-renew', '0.5'];
    const servers = await Promise.all([startServeProcess(cliEnv(tmp.dir), flags), startServeProcess(cliEnv(tmp.dir), flags)]);
    const byInstance = new Map<string, (typeof servers)[number]>();
    for (const server of servers) {
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { instance: string };
      byInstance.set(health.instance, server);
    }
    nginx = await startNginx(servers.map((server) => new URL(server.url).host));
    const created = await fetch(`${nginx.url}/api/stream/task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'a word counter', provider: 'simulated', provider_options: { tokens_per_second: 200 } }),
    });
    expect(created.status).toBe(201);
    const { stream_id: id } = (await created.json()) as { stream_id: string };
    let killed: string | undefined;
    let killedResponse = -1;
    const events = await followStream([nginx.url], id, {
      onEvent: (event) => {
        if (killed === undefined && event.id === 10) {
          killed = event.instance;
          killedResponse = event.response;
          byInstance.get(event.instance)?.proc.child.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBeDefined();
    expect(events.map((event) => event.id)).toEqual(oneTo(events.length));
    expect(events.at(-1)?.event).toBe('task_completed');
    // Events already on their way in the killed server's response (the chunk that held event 10, say) still
    // arrive from it; everything read after it is cut comes through nginx from the other server.
    const after = events.filter((event) => event.response > killedResponse);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((event) => event.instance !== killed && byInstance.has(event.instance))).toBe(true);
  });
});
