import { DiskStageCache } from '../streams/disk-stage-cache.js';
import { resolveCacheSettings } from './cache-settings.js';
import { usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

export interface CacheOptions {
  json?: boolean;
}

/**
 * `corch cache info|clear`: what the stage cache holds (entries, bytes, hits since the last clear, where it
 * lives, its bounds), or empty it. The cache is the one every `corch run` and `corch serve` of this user
 * shares (see `resolveCacheSettings`).
 */
export async function cacheCommand(action: string | undefined, options: CacheOptions, io: CliIo): Promise<number> {
  const settings = resolveCacheSettings(io.env);
  const cache = new DiskStageCache(settings.dir, settings);
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
      io.stdout.write(`removed ${removed} cached stage ${removed === 1 ? 'answer' : 'answers'} from ${settings.dir}\n`);
      return EXIT.OK;
    }
    default:
      throw usageError(
        action === undefined ? 'corch cache needs an action: info or clear' : `unknown cache action "${action}"; use info or clear`,
      );
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
