import { DiskStageCache } from '../streams/disk-stage-cache.js';
import type { StageCache } from '../streams/stage-cache.js';
import { resolveCacheSettings } from './cache-settings.js';

/**
 * The stage cache a server of this process uses: the user's disk cache (shared by every `corch run` and
 * `corch serve`), or none when `CORCH_CACHE=off`.
 */
export function openStageCache(env: Record<string, string | undefined>): StageCache | null {
  const settings = resolveCacheSettings(env);
  return settings.enabled ? new DiskStageCache(settings.dir, settings) : null;
}
