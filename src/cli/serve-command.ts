import { isIP } from 'node:net';
import type { ProviderOffer } from '../providers/provider-offer.js';
import { type RunningServer, type ServerOptions, startServer } from '../server/index.js';
import type { WebAssets } from '../server/web-page.js';
import type { RedisStreamStore } from '../streams/redis-stream-store.js';
import type { Runner } from '../streams/run-function.js';
import { byteSizeFlag } from './byte-size.js';
import { CliError, usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { instanceName, openSharedStore, resolveStoreSpec } from './serve-store.js';

/**
 * The options of `corch serve` as commander hands them over: strings for values, `true` for switches,
 * undefined when not given. Every one is validated here, so any other shape is reported, not trusted.
 */
export interface ServeOptions {
  readonly [flag: string]: unknown;
  host?: unknown;
  port?: unknown;
  apiKey?: unknown;
  ttl?: unknown;
  heartbeat?: unknown;
  maxStreams?: unknown;
  maxConnections?: unknown;
  corsOrigin?: unknown;
  insecure?: unknown;
  /** commander's `--no-ui`: false when given. */
  ui?: unknown;
  disconnectGrace?: unknown;
  allowedHost?: unknown;
  maxConnectionsPerPeer?: unknown;
  maxStreamBytes?: unknown;
  maxTotalBytes?: unknown;
  maxFinished?: unknown;
  store?: unknown;
  lease?: unknown;
  leaseRenew?: unknown;
}

/** Injected in tests (e.g. to observe the running server). */
export interface ServeDependencies {
  startServer?: (options: ServerOptions) => Promise<RunningServer>;
  /** Called once the server listens. */
  onListening?: (server: RunningServer) => void;
  /** The built web page to serve at `/` unless `--no-ui` (the serve action loads it from `#web-assets`). */
  webAssets?: WebAssets;
  /** What `GET /api/providers` answers (the serve action computes it from config and environment). */
  providers?: ProviderOffer;
}

const DEFAULT_PORT = 8000;
const MAX_PORT = 65535;
const MAX_HEARTBEAT_SECONDS = 3600;
const DEFAULT_LEASE_SECONDS = 15;
const DEFAULT_LEASE_RENEW_SECONDS = 5;
const MAX_LEASE_SECONDS = 3600;
const MS_PER_SECOND = 1000;
/** Keys shorter than this are accepted with a warning: they can be guessed. */
export const MIN_API_KEY_LENGTH = 16;

/**
 * `corch serve`: validates the flags, refuses a non-loopback host without an API key (unless `--insecure`),
 * opens the store (`--store` / `CORCH_STORE`: memory, or Redis shared with other servers), starts the
 * server, prints its URL and store, and on SIGINT/SIGTERM cancels running runs (`E_SHUTDOWN`) — or, on a
 * shared store, hands them over to the other servers — closes every connection and resolves with exit code 0.
 */
export async function serveCommand(
  options: ServeOptions,
  io: CliIo,
  runner: Runner | ((shared: RedisStreamStore | undefined) => Runner),
  deps: ServeDependencies = {},
): Promise<number> {
  const host = stringFlag(options.host, '--host') ?? '127.0.0.1';
  if (host.trim() === '') throw usageError('`--host` must not be empty');
  const port = integerFlag(options.port, '--port', 0, MAX_PORT) ?? DEFAULT_PORT;
  const ttlSeconds = positiveFlag(options.ttl, '--ttl', Number.MAX_SAFE_INTEGER);
  const heartbeatSeconds = positiveFlag(options.heartbeat, '--heartbeat', MAX_HEARTBEAT_SECONDS);
  const maxStreams = integerFlag(options.maxStreams, '--max-streams', 1, Number.MAX_SAFE_INTEGER);
  const maxConnections = integerFlag(options.maxConnections, '--max-connections', 1, Number.MAX_SAFE_INTEGER);
  const disconnectGraceSeconds = positiveFlag(options.disconnectGrace, '--disconnect-grace', Number.MAX_SAFE_INTEGER);
  const corsOrigin = corsFlag(options.corsOrigin);
  const allowedHosts = allowedHostFlag(options.allowedHost);
  const maxConnectionsPerPeer = integerFlag(options.maxConnectionsPerPeer, '--max-connections-per-peer', 1, Number.MAX_SAFE_INTEGER);
  const maxStreamBytes = byteSizeFlag(options.maxStreamBytes, '--max-stream-bytes');
  const maxTotalBytes = byteSizeFlag(options.maxTotalBytes, '--max-total-bytes');
  const maxFinished = integerFlag(options.maxFinished, '--max-finished', 1, Number.MAX_SAFE_INTEGER);
  const debug = io.env.CORCH_DEBUG !== undefined && io.env.CORCH_DEBUG !== '' && io.env.CORCH_DEBUG !== '0';
  const insecure = options.insecure === true;
  const apiKey = resolveApiKey(options.apiKey, io.env);
  const storeSpec = resolveStoreSpec(options.store, io.env);
  const leaseSeconds = positiveFlag(options.lease, '--lease', MAX_LEASE_SECONDS) ?? DEFAULT_LEASE_SECONDS;
  const renewSeconds = positiveFlag(options.leaseRenew, '--lease-renew', MAX_LEASE_SECONDS) ?? DEFAULT_LEASE_RENEW_SECONDS;
  if (renewSeconds >= leaseSeconds) {
    throw usageError(`\`--lease-renew\` (${renewSeconds} s) must be shorter than \`--lease\` (${leaseSeconds} s)`);
  }

  if (!apiKey && !isLoopback(host) && !insecure) {
    throw usageError(
      `refusing to listen on ${host} without an API key: anyone who can reach it could run tasks on your provider keys. ` +
        'Set --api-key (or CORCH_API_KEY), or pass --insecure if you mean it.',
    );
  }

  const webAssets = options.ui === false ? undefined : deps.webAssets;
  const instanceId = instanceName(io.pid ?? 0);
  const shared =
    storeSpec.kind === 'redis'
      ? await openSharedStore(storeSpec, {
          instanceId,
          leaseMs: leaseSeconds * MS_PER_SECOND,
          renewMs: renewSeconds * MS_PER_SECOND,
        })
      : undefined;
  const start = deps.startServer ?? startServer;
  let server: RunningServer;
  try {
    server = await start({
      instanceId,
      ...(shared ? { store: shared.store, coordinator: shared.coordinator } : {}),
      host,
      port,
      // A runner built for the store: on a Redis store its stage cache lives in Redis too.
      runner: typeof runner === 'function' ? runner(shared?.store) : runner,
      ...(apiKey ? { apiKey: apiKey.value } : {}),
      ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
      ...(heartbeatSeconds !== undefined ? { heartbeatSeconds } : {}),
      ...(maxStreams !== undefined ? { maxStreams } : {}),
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(disconnectGraceSeconds !== undefined ? { disconnectGraceSeconds } : {}),
      ...(allowedHosts.length > 0 ? { allowedHosts } : {}),
      ...(maxConnectionsPerPeer !== undefined ? { maxConnectionsPerPeer } : {}),
      ...(maxStreamBytes !== undefined ? { maxStreamBytes } : {}),
      ...(maxTotalBytes !== undefined ? { maxTotalBytes } : {}),
      ...(maxFinished !== undefined ? { maxFinished } : {}),
      // A peer's hang-ups and malformed requests: one line each, only when asked for (CORCH_DEBUG=1).
      ...(debug ? { onDebug: (message: string) => io.stderr.write(`corch serve: debug: ${message}\n`) } : {}),
      ...(corsOrigin !== undefined ? { corsOrigin } : {}),
      ...(webAssets ? { webAssets } : {}),
      ...(deps.providers ? { providers: deps.providers } : {}),
      onError: (error) => {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        io.stderr.write(`corch serve: internal error: ${message}\n`);
      },
    });
  } catch (error) {
    await shared?.close();
    throw listenError(error, host, port);
  }

  io.stdout.write(`corch serve: listening on ${server.url}\n`);
  if (webAssets) io.stdout.write(`corch serve: web page at ${server.url}/\n`);
  io.stderr.write(
    shared
      ? `corch serve: store ${storeSpec.label} (instance ${instanceId}; its runs continue on another server sharing it if this one stops)\n`
      : 'corch serve: store memory (runs end with this server; --store redis://… lets several servers share them)\n',
  );
  if (apiKey) {
    io.stderr.write(`corch serve: clients must send the API key (from ${apiKey.source})\n`);
    if (apiKey.value.length < MIN_API_KEY_LENGTH) {
      io.stderr.write(
        `corch serve: warning: the API key is only ${apiKey.value.length} characters and could be guessed; use ${MIN_API_KEY_LENGTH} or more (e.g. \`openssl rand -hex 16\`)\n`,
      );
    }
  } else if (!isLoopback(host)) io.stderr.write(`corch serve: warning: no API key on ${host} (--insecure)\n`);
  deps.onListening?.(server);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const unsubscribe: (() => void)[] = [];
    const stop = (signal: string) => {
      if (stopping) {
        // A second Ctrl-C: stop waiting for the graceful shutdown.
        resolve(EXIT.OK);
        return;
      }
      stopping = true;
      io.stderr.write(`corch serve: ${signal} received, shutting down\n`);
      server.close('shutdown').then(
        async () => {
          await shared?.close().catch(() => undefined);
          for (const off of unsubscribe) off();
          resolve(EXIT.OK);
        },
        (error: unknown) => {
          io.stderr.write(`corch serve: error while shutting down: ${String(error)}\n`);
          resolve(EXIT.OK);
        },
      );
    };
    unsubscribe.push(io.onSignal('SIGINT', () => stop('SIGINT')));
    unsubscribe.push(io.onSignal('SIGTERM', () => stop('SIGTERM')));
  });
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare.toLowerCase().startsWith('::ffff:127.');
  return false;
}

function resolveApiKey(
  flag: unknown,
  env: Record<string, string | undefined>,
): { value: string; source: string } | undefined {
  const fromFlag = stringFlag(flag, '--api-key');
  if (fromFlag !== undefined) {
    // A blank key would be a key anyone can send: refuse it rather than run open or guess what was meant.
    if (fromFlag.trim() === '') {
      throw usageError(
        `\`--api-key\` is blank; give a key of at least ${MIN_API_KEY_LENGTH} characters (e.g. \`openssl rand -hex 16\`), or leave the flag out to run without one on 127.0.0.1`,
      );
    }
    return { value: fromFlag, source: '--api-key' };
  }
  for (const name of ['CORCH_API_KEY', 'FAC_API_KEY']) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { value: value.trim(), source: name };
  }
  return undefined;
}

function stringFlag(value: unknown, flag: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw usageError(`\`${flag}\` needs a value`);
  return value;
}

function integerFlag(value: unknown, flag: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `${min}–${max}`;
  if (!/^\d+$/.test(text)) throw usageError(`\`${flag}\` must be ${range}, got ${JSON.stringify(value)}`);
  const number = Number(text);
  if (number < min || number > max) throw usageError(`\`${flag}\` must be ${range}, got ${text}`);
  return number;
}

function positiveFlag(value: unknown, flag: string, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const number = text === '' ? Number.NaN : Number(text);
  const limit = max === Number.MAX_SAFE_INTEGER ? '' : ` and at most ${max}`;
  if (!Number.isFinite(number) || number <= 0 || number > max) {
    throw usageError(`\`${flag}\` must be a number of seconds greater than 0${limit}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** `--allowed-host` values (repeatable, or comma-separated): host names without scheme or port, or `*`. */
function allowedHostFlag(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  const hosts: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw usageError('`--allowed-host` needs a value');
    for (const host of item.split(',').map((part) => part.trim())) {
      if (host === '') continue;
      if (host !== '*' && !/^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$/.test(host)) {
        throw usageError(
          `\`--allowed-host\` must be a host name such as corch.example.com (no scheme, no port) or *, got ${JSON.stringify(host)}`,
        );
      }
      hosts.push(host);
    }
  }
  return hosts;
}

function corsFlag(value: unknown): string | undefined {
  const text = stringFlag(value, '--cors-origin')?.trim();
  if (text === undefined || text === '') return undefined;
  if (text === '*') return text;
  for (const origin of text.split(',').map((item) => item.trim())) {
    let valid = false;
    try {
      const url = new URL(origin);
      valid = (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
    } catch {
      valid = false;
    }
    if (!valid) {
      throw usageError(
        `\`--cors-origin\` must be * or origins such as http://localhost:5173 (comma-separated), got ${JSON.stringify(origin)}`,
      );
    }
  }
  return text;
}

function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return new CliError('E_USAGE', `${where} is already in use; pick another --port (0 picks a free one)`, {
      exitCode: EXIT.USAGE,
      cause: error,
    });
  }
  if (code === 'EACCES') {
    return new CliError('E_USAGE', `not allowed to listen on ${where}; use a port above 1023`, {
      exitCode: EXIT.USAGE,
      cause: error,
    });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new CliError('E_USAGE', `\`--host\` ${host} is not an address of this machine`, {
      exitCode: EXIT.USAGE,
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
