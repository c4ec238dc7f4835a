import { randomBytes } from 'node:crypto';
import type { ServerSettings } from '../orchestrator/settings.js';
import type { CliIo } from './io.js';

/** How long a closing embedded server may take before the CLI exits anyway. */
const CLOSE_TIMEOUT_MS = 2_000;

export interface EmbeddedServer {
  url: string;
  /** A random key for this process only: other local users cannot read or cancel our run on 127.0.0.1. */
  apiKey: string;
  close(): Promise<void>;
}

/**
 * Starts the same server `corch serve` runs, in this process, on 127.0.0.1 with an ephemeral port and the
 * real orchestrator, so an embedded `run` goes through HTTP and SSE like a remote one.
 */
export async function startEmbeddedServer(io: CliIo, settings: ServerSettings): Promise<EmbeddedServer> {
  const [{ startServer }, { createRunner }, { openStageCache }] = await Promise.all([
    import('../server/index.js'),
    import('../orchestrator/index.js'),
    import('./open-stage-cache.js'),
  ]);
  const apiKey = randomBytes(24).toString('base64url');
  // The cache is on disk, so it outlives this embedded server: the next `corch run` of the same task hits it.
  const runner = createRunner({ env: io.env, settings, cache: openStageCache(io.env) });
  const server = await startServer({ host: '127.0.0.1', port: 0, apiKey, runner });
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    apiKey,
    close() {
      closing ??= Promise.race([
        server.close(),
        new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref()),
      ]);
      return closing;
    },
  };
}
