import type { CorchClient } from '../client/index.js';
import { usageError } from './cli-error.js';
import type { CorchConfig } from './config-keys.js';
import { openConfig } from './config-store.js';
import type { CliIo } from './io.js';
import { type RemoteFlags, resolveRemote } from './resolve-settings.js';

/** A client for the server named by flag, env or config; for commands that need an existing server. */
export async function connectRemote(
  command: string,
  flags: RemoteFlags,
  io: CliIo,
): Promise<{ client: CorchClient; baseUrl: string; config: CorchConfig }> {
  const config = openConfig(io.env).read();
  const remote = resolveRemote(flags, io.env, config);
  if (!remote.baseUrl) {
    // Only a long-lived server knows stream ids; an embedded one would start empty.
    throw usageError(
      `${command} needs the server that holds the stream: pass --base-url URL, set CORCH_BASE_URL, or run \`corch config set baseUrl URL\``,
    );
  }
  const { createCorchClient } = await import('../client/index.js');
  const client = createCorchClient({
    baseUrl: remote.baseUrl.value,
    ...(remote.apiKey ? { apiKey: remote.apiKey } : {}),
  });
  return { client, baseUrl: remote.baseUrl.value, config };
}

/** Stream ids are opaque but never empty or blank; catch a stray empty argument before asking the server. */
export function checkStreamId(id: string): string {
  const trimmed = id.trim();
  if (trimmed === '' || /[\s/?#]/.test(trimmed)) {
    throw usageError(`"${id}" is not a stream id; use the id printed by \`corch run --detach\`, or find it with \`corch list\``);
  }
  return trimmed;
}
