import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskStageCache } from '../../src/streams/disk-stage-cache.js';
import type { CachedAnswer } from '../../src/streams/stage-cache.js';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const KEY_C = 'c'.repeat(64);
const answer = (output: string): CachedAnswer => ({
  output,
  usage: { input_tokens: 10, output_tokens: 20 },
  finish_reason: 'stop',
  duration_ms: 1500,
});

describe('DiskStageCache', () => {
  let dir: string;
  let now: number;
  const clock = () => now;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corch-cache-'));
    now = Date.UTC(2026, 0, 1);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores, serves and counts hits; another instance on the same directory sees the entries', async () => {
    const cache = new DiskStageCache(dir, { now: clock });
    expect(await cache.get(KEY_A)).toBeUndefined();
    await cache.set(KEY_A, answer('hello'));
    expect(await cache.get(KEY_A)).toEqual(answer('hello'));
    const other = new DiskStageCache(dir, { now: clock });
    expect(await other.get(KEY_A)).toEqual(answer('hello'));
    const info = await other.info();
    expect(info).toMatchObject({ location: dir, entries: 1, hits: 2 });
    expect(info.bytes).toBeGreaterThan(0);
  });

  it('expires entries after the TTL and removes them', async () => {
    const cache = new DiskStageCache(dir, { now: clock, ttlMs: 1000 });
    await cache.set(KEY_A, answer('old'));
    now += 1001;
    expect(await cache.get(KEY_A)).toBeUndefined();
    expect((await cache.info()).entries).toBe(0);
  });

  it('evicts the least recently used entries when over its size bound', async () => {
    const size = JSON.stringify({ v: 1, created_at: now, ...answer('x'.repeat(100)) }).length;
    const cache = new DiskStageCache(dir, { now: clock, maxBytes: size * 2 + 10 });
    await cache.set(KEY_A, answer('x'.repeat(100)));
    now += 1000;
    await cache.set(KEY_B, answer('y'.repeat(100)));
    now += 1000;
    // A was used last, so B is the least recently used when C arrives.
    expect(await cache.get(KEY_A)).toBeDefined();
    now += 1000;
    await cache.set(KEY_C, answer('z'.repeat(100)));
    expect(await cache.get(KEY_B)).toBeUndefined();
    expect(await cache.get(KEY_A)).toBeDefined();
    expect(await cache.get(KEY_C)).toBeDefined();
  });

  it('a broken entry is a miss and is removed; a key that is not a digest is never a path', async () => {
    const cache = new DiskStageCache(dir, { now: clock });
    await cache.set(KEY_A, answer('fine'));
    await writeFile(join(dir, 'stages', `${KEY_A}.json`), '{"v":1,"output":');
    expect(await cache.get(KEY_A)).toBeUndefined();
    expect(await readdir(join(dir, 'stages'))).toEqual([]);
    await cache.set('../../escape', answer('no'));
    expect(await cache.get('../../escape')).toBeUndefined();
    expect(await readdir(dir)).not.toContain('escape.json');
  });

  it('many writers of the same keys at once leave only whole entries', async () => {
    const writers = Array.from({ length: 8 }, () => new DiskStageCache(dir, { now: clock }));
    const big = (n: number) => answer(`${n}`.repeat(50_000));
    await Promise.all(writers.flatMap((w, n) => [w.set(KEY_A, big(n)), w.set(KEY_B, big(n))]));
    const names = await readdir(join(dir, 'stages'));
    expect(names.sort()).toEqual([`${KEY_A}.json`, `${KEY_B}.json`]);
    for (const name of names) {
      const entry = JSON.parse(await readFile(join(dir, 'stages', name), 'utf8')) as CachedAnswer;
      expect(entry.output).toMatch(/^(\d)\1*$/);
      expect(entry.output).toHaveLength(50_000);
    }
  });

  it('clear removes every entry and the hit count', async () => {
    const cache = new DiskStageCache(dir, { now: clock });
    await cache.set(KEY_A, answer('a'));
    await cache.set(KEY_B, answer('b'));
    await cache.get(KEY_A);
    expect(await cache.clear()).toBe(2);
    expect(await cache.info()).toMatchObject({ entries: 0, bytes: 0, hits: 0 });
  });
});
