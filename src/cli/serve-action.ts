import { providerOffer } from '../providers/provider-offer.js';
import { openConfig } from './config-store.js';
import { loadWebAssets } from './load-web-assets.js';
import type { CliIo } from './io.js';
import { resolveServerSettings } from './resolve-settings.js';

/**
 * `corch serve`: builds the orchestrator runner from config and environment (`--provider`/`--model` as
 * the server's defaults for tasks that name none), then hands the flags to the server's own command,
 * which owns their validation, the listening and the shutdown.
 */
export async function serveAction(options: Record<string, unknown>, io: CliIo): Promise<number> {
  const config = openConfig(io.env).read();
  const settings = resolveServerSettings(io.env, config, {
    ...(typeof options.provider === 'string' ? { provider: options.provider } : {}),
    ...(typeof options.model === 'string' ? { model: options.model } : {}),
  });
  const [{ createRunner }, { serveCommand }, { openStageCache }] = await Promise.all([
    import('../orchestrator/index.js'),
    import('./serve-command.js'),
    import('./open-stage-cache.js'),
  ]);
  const webAssets = options.ui === false ? undefined : await loadWebAssets();
  if (options.ui !== false && !webAssets) io.stderr.write('corch serve: this build has no web page (`npm run build` makes it)\n');
  // The stage cache follows the store: in Redis beside the runs when they are shared, else on this disk.
  return serveCommand(
    options,
    io,
    (shared) => createRunner({ env: io.env, settings, cache: options.cache === false ? null : openStageCache(io.env, shared) }),
    { providers: providerOffer(io.env, settings), ...(webAssets ? { webAssets } : {}) },
  );
}
