/** `corch serve --store`: which store it says it uses, and every way a store URL or a Redis can be wrong. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { fakeIo } from './fake-io.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corch-serve-store-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function waitForUrl(read: () => string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const match = read().match(/http:\/\/127\.0\.0\.1:\d+/);
    if (match) return match[0];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no URL printed: ${read()}`);
}

describe('corch serve --store', () => {
  it('says it keeps runs in memory by default', async () => {
    const io = fakeIo(['serve', '--port', '0'], { CORCH_CONFIG_DIR: dir });
    const done = runMain(io);
    const url = await waitForUrl(() => io.stdout.text);
    expect(io.stderr.text).toContain('corch serve: store memory (runs end with this server');
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ store: { kind: 'memory', available: true } });
    io.signal('SIGTERM');
    expect(await done).toBe(EXIT.OK);
  });

  it.each([
    [['--store', 'mysql://db:3306'], /^corch: `--store` mysql:\/\/db:3306 is not a store URL: it must be one of memory, redis:\/\//],
    [['--store', 'redis://h:99999'], /^corch: `--store` redis:\/\/h:99999 is not a store URL: the port must be 1–65535, got "99999"$/],
    [['--store', 'redis://a:1,b:2'], /several hosts need redis-cluster:\/\//],
    [['--store', 'redis://h/42'], /the database must be 0–15/],
    [['--store', 'redis-cluster://a:1/3'], /a Redis Cluster has only database 0/],
    [['--lease', '5', '--lease-renew', '5'], /^corch: `--lease-renew` \(5 s\) must be shorter than `--lease` \(5 s\)$/],
    [['--lease', '0'], /^corch: `--lease` must be a number of seconds greater than 0/],
  ])('refuses %j with one line and the usage', async (flags, message) => {
    const io = fakeIo(['serve', '--port', '0', ...flags], { CORCH_CONFIG_DIR: dir });
    expect(await runMain(io)).toBe(EXIT.USAGE);
    expect(io.stderr.text.split('\n')[0]).toMatch(message);
  });

  it('never prints the password of a bad URL, from the flag or CORCH_STORE', async () => {
    for (const [argv, env] of [
      [['--store', 'redis://user:s3cret@h:0'], {}],
      [[], { CORCH_STORE: 'redis://:s3cret@h:abc' }],
    ] as const) {
      const io = fakeIo(['serve', '--port', '0', ...argv], { CORCH_CONFIG_DIR: dir, ...env });
      expect(await runMain(io)).toBe(EXIT.USAGE);
      expect(io.stderr.text).toMatch(argv.length > 0 ? /`--store` redis:\/\/\*\*\*@h:0/ : /`CORCH_STORE` redis:\/\/\*\*\*@h:abc/);
      expect(io.stderr.text).not.toContain('s3cret');
    }
  });
});

describe.skipIf(redisMissing)('corch serve --store redis://… (real redis-server)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('says which Redis it uses (password hidden), serves from it, and hands over on SIGTERM', async () => {
    await redis.cli('config', 'set', 'requirepass', 'pa55word');
    try {
      const io = fakeIo(['serve', '--port', '0', '--store', `redis://:pa55word@127.0.0.1:${redis.port}`], {
        CORCH_CONFIG_DIR: dir,
      });
      const done = runMain(io);
      const url = await waitForUrl(() => io.stdout.text);
      expect(io.stderr.text).toContain(`corch serve: store redis://:***@127.0.0.1:${redis.port} (instance `);
      expect(io.stderr.text + io.stdout.text).not.toContain('pa55word');
      const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', store: { kind: 'redis', url: `redis://:***@127.0.0.1:${redis.port}` } });
      expect(JSON.stringify(health)).not.toContain('pa55word');
      io.signal('SIGTERM');
      expect(await done).toBe(EXIT.OK);
    } finally {
      await redis.cli('-a', 'pa55word', 'config', 'set', 'requirepass', '');
    }
  });

  it('exits UNREACHABLE with the reason when Redis refuses the password', async () => {
    await redis.cli('config', 'set', 'requirepass', 'right');
    try {
      const io = fakeIo(['serve', '--port', '0', '--store', `redis://:wrong@127.0.0.1:${redis.port}`], { CORCH_CONFIG_DIR: dir });
      expect(await runMain(io)).toBe(EXIT.UNREACHABLE);
      expect(io.stderr.text.split('\n')[0]).toMatch(/^corch: cannot reach the store redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*(WRONGPASS|invalid)/);
      expect(io.stderr.text).not.toMatch(/wrong@|\n\s+at /);
    } finally {
      await redis.cli('-a', 'right', 'config', 'set', 'requirepass', '');
    }
  });

  it('exits UNREACHABLE when nothing listens there', async () => {
    const io = fakeIo(['serve', '--port', '0'], { CORCH_CONFIG_DIR: dir, CORCH_STORE: `redis://127.0.0.1:${redis.port + 1}` });
    expect(await runMain(io)).toBe(EXIT.UNREACHABLE);
    expect(io.stderr.text.split('\n')[0]).toMatch(/^corch: cannot reach the store redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });
});
