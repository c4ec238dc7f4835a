import { DiskStageCache } from '../streams/disk-stage-cache.js';
import { connectOrExplain, openConnection, RedisLink } from '../streams/redis-client.js';
import { RedisStageCache } from '../streams/redis-stage-cache.js';
import type { StageCache } from '../streams/stage-cache.js';
import { resolveCacheSettings } from './cache-settings.js';
import { cannotReachError } from './cli-error.js';
import { resolveStoreSpec } from './serve-store.js';
import { isCorchError } from '../protocol/errors.js';
import { usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

export interface CacheOptions {
  json?: boolean;
  /** `--store redis://…` (or CORCH_STORE): the cache of the servers sharing that Redis store. */
  store?: string;
}

/**
 * `corch cache info|clear`: what the stage cache holds (entries, bytes, hits since the last clear, where it
 * lives, its bounds), or empty it. The cache is the one every `corch run` and `corch serve` of this user
 * shares (see `resolveCacheSettings`).
 */
export async function cacheCommand(action: string | undefined, options: CacheOptions, io: CliIo): Promise<number> {
  if (action !== 'info' && action !== 'clear') {
    throw usageError(action === undefined ? 'corch cache needs an action: info or clear' : `unknown cache action "${action}"; use info or clear`);
  }
  const settings = resolveCacheSettings(io.env);
  const spec = resolveStoreSpec(options.store, io.env);
  let link: RedisLink | undefined;
  let cache: StageCache = new DiskStageCache(settings.dir, settings);
  if (spec.kind === 'redis') {
    const connection = openConnection(spec, 'corch-cache');
    try {
      await connectOrExplain(connection, spec);
    } catch (error) {
      if (isCorchError(error) && error.code === 'E_STORE_UNAVAILABLE') throw cannotReachError(error.message, error);
      throw error;
    }
    link = new RedisLink(connection, spec);
    cache = new RedisStageCache(link, settings);
  }
  try {
    return await act(action, cache, settings, options, io);
  } finally {
    link?.close();
  }
}

async function act(
  action: 'info' | 'clear',
  cache: StageCache,
  settings: ReturnType<typeof resolveCacheSettings>,
  options: CacheOptions,
  io: CliIo,
): Promise<number> {
  switch (action) {
    case 'info': {
      const info = await cache.info();
      if (options.json) {
        io.stdout.write(`${JSON.stringify({ ...info, enabled: settings.enabled })}\n`);
        return EXIT.OK;
      }
      const rows: Array<[string, string]> = [
        ['location', info.location],
        ['entries', String(info.entries)],
        ['size', `${formatBytes(info.bytes)} of ${formatBytes(info.maxBytes)}`],
        ['hits', String(info.hits)],
        ['expiry', `${+(info.ttlMs / 86_400_000).toFixed(2)} days`],
      ];
      if (!settings.enabled) rows.push(['status', 'off (CORCH_CACHE=off)']);
      io.stdout.write(rows.map(([k, v]) => `${k.padEnd(9)}${v}\n`).join(''));
      return EXIT.OK;
    }
    case 'clear': {
      const removed = await cache.clear();
      const where = cache instanceof DiskStageCache ? settings.dir : (await cache.info()).location;
      io.stdout.write(`removed ${removed} cached stage ${removed === 1 ? 'answer' : 'answers'} from ${where}\n`);
      return EXIT.OK;
    }
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
