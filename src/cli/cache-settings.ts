import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_TTL_MS, type StageCacheOptions } from '../streams/stage-cache.js';
import { usageError } from './cli-error.js';

type Env = Record<string, string | undefined>;

const DAY_MS = 24 * 60 * 60 * 1000;
const MB = 1024 * 1024;

/** Where the stage cache lives and how it is bounded, from the environment. */
export interface CacheSettings extends StageCacheOptions {
  dir: string;
  /** False when `CORCH_CACHE=off`: no run of this process uses the cache. */
  enabled: boolean;
}

/**
 * The stage cache's directory: `CORCH_CACHE_DIR`, else the platform's cache directory — `$XDG_CACHE_HOME/corch`
 * or `~/.cache/corch` on Linux, `~/Library/Caches/corch` on macOS, `%LOCALAPPDATA%\corch\Cache` on Windows.
 * Bounds: `CORCH_CACHE_MAX_MB` (default 256) and `CORCH_CACHE_TTL_DAYS` (default 7); `CORCH_CACHE=off`
 * turns it off for every run.
 */
export function resolveCacheSettings(env: Env, platform: NodeJS.Platform = process.platform): CacheSettings {
  const home = env.HOME?.trim() || env.USERPROFILE?.trim() || homedir();
  const own = env.CORCH_CACHE_DIR?.trim();
  const xdg = env.XDG_CACHE_HOME?.trim();
  let dir: string;
  if (own) dir = own;
  else if (xdg) dir = join(xdg, 'corch');
  else if (platform === 'darwin') dir = join(home, 'Library', 'Caches', 'corch');
  else if (platform === 'win32') dir = join(env.LOCALAPPDATA?.trim() || join(home, 'AppData', 'Local'), 'corch', 'Cache');
  else dir = join(home, '.cache', 'corch');
  const switchValue = env.CORCH_CACHE?.trim().toLowerCase();
  if (switchValue && !['on', 'off', '1', '0', 'true', 'false'].includes(switchValue)) {
    throw usageError(`CORCH_CACHE must be on or off, got "${env.CORCH_CACHE}"`);
  }
  return {
    dir,
    enabled: !['off', '0', 'false'].includes(switchValue ?? ''),
    ttlMs: positiveNumber(env.CORCH_CACHE_TTL_DAYS, 'CORCH_CACHE_TTL_DAYS', 'days', DEFAULT_CACHE_TTL_MS / DAY_MS) * DAY_MS,
    maxBytes: Math.round(positiveNumber(env.CORCH_CACHE_MAX_MB, 'CORCH_CACHE_MAX_MB', 'megabytes', DEFAULT_CACHE_MAX_BYTES / MB) * MB),
  };
}

function positiveNumber(raw: string | undefined, name: string, unit: string, fallback: number): number {
  const text = raw?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw usageError(`${name} must be a number of ${unit} greater than 0, got "${raw}"`);
  return value;
}
