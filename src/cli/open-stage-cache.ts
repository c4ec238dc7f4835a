import { RedisStageCache } from '../streams/redis-stage-cache.js';
import type { RedisStreamStore } from '../streams/redis-stream-store.js';
import { DiskStageCache } from '../streams/disk-stage-cache.js';
import type { StageCache } from '../streams/stage-cache.js';
import { resolveCacheSettings } from './cache-settings.js';

/**
 * The stage cache a server of this process uses: in Redis, on the store's connection, when the server
 * shares a Redis store (every instance then shares the cache); else the user's disk cache (shared by every
 * `corch run` and `corch serve` on this machine); none when `CORCH_CACHE=off`.
 */
export function openStageCache(env: Record<string, string | undefined>, shared?: RedisStreamStore): StageCache | null {
  const settings = resolveCacheSettings(env);
  if (!settings.enabled) return null;
  return shared ? new RedisStageCache(shared.link, settings) : new DiskStageCache(settings.dir, settings);
}
