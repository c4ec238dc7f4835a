import type { RedisLink, ScriptedConnection } from './redis-client.js';
import { DEFAULT_KEY_PREFIX } from './redis-keys.js';
import {
  type CachedAnswer,
  DEFAULT_CACHE_MAX_BYTES,
  DEFAULT_CACHE_TTL_MS,
  type StageCache,
  type StageCacheInfo,
  type StageCacheOptions,
} from './stage-cache.js';

/** Options of a {@link RedisStageCache}. */
export interface RedisStageCacheOptions extends StageCacheOptions {
  /** Key prefix (default `corch`, as the store's); tests give each cache its own. */
  keyPrefix?: string;
}

/** Entries are deleted in groups of this many when the cache is cleared. */
const EVICT_BATCH = 32;

/**
 * The stage cache in Redis, beside the runs of a Redis store: every `corch serve` sharing the store shares
 * the cache, whichever machine it runs on.
 *
 * - An entry is one string key `<prefix>:cache:<key>` holding the answer's JSON, with Redis' own expiry
 *   (PX) as its lifetime.
 * - Least recently used first out, by bytes: a sorted set scores each key by its last use, a hash keeps its
 *   size and a counter their total; after a write over the bound, the least recently used go (ZPOPMIN).
 *   These are single-key commands, so the cache also works on a Redis Cluster (the bookkeeping is best
 *   effort: an entry Redis expired on its own is dropped from it when eviction or a miss meets it).
 * - Hits are counted by INCR, so `corch cache info` (on a server) can say how many there were.
 * - Redis being unreachable is a miss or a skipped write, never a failed run: operations do not wait out
 *   an outage.
 */
export class RedisStageCache implements StageCache {
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(
    private readonly link: RedisLink,
    options: RedisStageCacheOptions = {},
  ) {
    this.prefix = `${options.keyPrefix ?? DEFAULT_KEY_PREFIX}:cache`;
    this.ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.now = options.now ?? (() => Date.now());
  }

  private entryKey(key: string): string {
    return `${this.prefix}:${key}`;
  }

  private get lru(): string {
    return `${this.prefix}:~lru`;
  }

  private get sizes(): string {
    return `${this.prefix}:~sizes`;
  }

  private get total(): string {
    return `${this.prefix}:~bytes`;
  }

  private get hitsKey(): string {
    return `${this.prefix}:~hits`;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    try {
      return await this.link.run(async (redis) => {
        const text = await redis.get(this.entryKey(key));
        if (text === null) {
          await this.forget(redis, [key]);
          return undefined;
        }
        const answer = parseAnswer(text);
        if (!answer) return undefined;
        await Promise.all([redis.zadd(this.lru, this.now(), key), redis.incr(this.hitsKey)]);
        return answer;
      }, false);
    } catch {
      return undefined;
    }
  }

  async set(key: string, answer: CachedAnswer): Promise<void> {
    const text = JSON.stringify(answer);
    const bytes = Buffer.byteLength(text);
    try {
      await this.link.run(async (redis) => {
        const old = await redis.hget(this.sizes, key);
        await redis.set(this.entryKey(key), text, 'PX', Math.max(1, Math.round(this.ttlMs)));
        await Promise.all([
          redis.zadd(this.lru, this.now(), key),
          redis.hset(this.sizes, key, String(bytes)),
          redis.incrby(this.total, bytes - (old === null ? 0 : Number(old))),
        ]);
        await this.evict(redis);
      }, false);
    } catch {
      // A cache that cannot be written is only a missed saving.
    }
  }

  async info(): Promise<StageCacheInfo> {
    return this.link.run(async (redis) => {
      const [entries, bytes, hits] = await Promise.all([redis.zcard(this.lru), redis.get(this.total), redis.get(this.hitsKey)]);
      return {
        location: `${this.link.spec.label} (${this.prefix}:*)`,
        entries,
        bytes: Math.max(0, Number(bytes ?? 0)),
        hits: Number(hits ?? 0),
        maxBytes: this.maxBytes,
        ttlMs: this.ttlMs,
      };
    }, false);
  }

  async clear(): Promise<number> {
    return this.link.run(async (redis) => {
      const keys = await redis.zrange(this.lru, '0', '-1');
      for (let i = 0; i < keys.length; i += EVICT_BATCH) {
        await Promise.all(keys.slice(i, i + EVICT_BATCH).map((k) => redis.del(this.entryKey(k))));
      }
      await Promise.all([redis.del(this.lru), redis.del(this.sizes), redis.del(this.total), redis.del(this.hitsKey)]);
      return keys.length;
    }, false);
  }

  /** Drops keys from the bookkeeping (their entries are gone or going). */
  private async forget(redis: ScriptedConnection, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const sizes = await redis.hmget(this.sizes, ...keys);
    const freed = sizes.reduce((sum: number, s) => sum + (s === null ? 0 : Number(s)), 0);
    await Promise.all([redis.zrem(this.lru, ...keys), redis.hdel(this.sizes, ...keys), freed > 0 ? redis.decrby(this.total, freed) : null]);
  }

  private async evict(redis: ScriptedConnection): Promise<void> {
    for (;;) {
      const total = Number((await redis.get(this.total)) ?? 0);
      if (total <= this.maxBytes) return;
      // One at a time: each removal may already bring the total under the bound. ZPOPMIN answers [member, score].
      const popped = await redis.zpopmin(this.lru, 1);
      const keys = popped.filter((_, i) => i % 2 === 0);
      if (keys.length === 0) {
        // Nothing left to evict: the counter drifted (entries expired by Redis); start it again.
        await redis.set(this.total, '0');
        return;
      }
      await Promise.all(keys.map((k) => redis.del(this.entryKey(k))));
      const sizes = await redis.hmget(this.sizes, ...keys);
      const freed = sizes.reduce((sum: number, s) => sum + (s === null ? 0 : Number(s)), 0);
      await Promise.all([redis.hdel(this.sizes, ...keys), redis.decrby(this.total, freed)]);
    }
  }
}

function parseAnswer(text: string): CachedAnswer | undefined {
  try {
    const value = JSON.parse(text) as Partial<CachedAnswer>;
    if (typeof value.output !== 'string' || typeof value.duration_ms !== 'number' || typeof value.finish_reason !== 'string') return undefined;
    if (typeof value.usage?.input_tokens !== 'number' || typeof value.usage.output_tokens !== 'number') return undefined;
    return value as CachedAnswer;
  } catch {
    return undefined;
  }
}
