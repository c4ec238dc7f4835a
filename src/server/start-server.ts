import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderOffer } from '../providers/provider-offer.js';
import { type Clock, systemClock } from '../streams/clock.js';
import type { Runner } from '../streams/run-function.js';
import { StreamManager } from '../streams/stream-manager.js';
import type { RunCoordinator } from '../streams/run-coordinator.js';
import type { StreamStore } from '../streams/stream-store.js';
import { answerClientErrors } from './client-error.js';
import { HeartbeatWheel } from './heartbeat-wheel.js';
import { createHostPolicy } from './request-guard.js';
import { createRequestHandler } from './request-handler.js';
import type { ServerContext } from './server-context.js';
import {
  DEFAULT_FIRST_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS_PER_PEER,
  SocketGuard,
} from './socket-guard.js';
import type { StreamFollower } from './stream-follower.js';
import type { WebAssets } from './web-page.js';
import { createUpgradeHandler } from './ws-upgrade.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_HEARTBEAT_SECONDS = 15;
/** What `retry:` tells clients to wait before reconnecting. */
export const SSE_RETRY_MS = 2000;
/** Open SSE responses before new ones get 503; well under the usual fd limits once node has raised them. */
export const DEFAULT_MAX_CONNECTIONS = 1000;
/** Sockets allowed beyond the SSE cap, so JSON routes stay reachable at the cap (and /healthz beyond). */
const EXTRA_SOCKETS = 64;
/** A client must send its request headers within this time… */
export const HEADERS_TIMEOUT_MS = 10_000;
/** …and its whole request (headers and body) within this one. SSE responses are not affected by it. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often node checks the two timeouts above (its default, 30 s, would let them overshoot). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;
/** How long an idle keep-alive connection stays open between requests. */
const KEEP_ALIVE_TIMEOUT_MS = 5000;
/** On shutdown, how long subscribers get to receive their final `task_error` before being cut. */
const SHUTDOWN_GRACE_MS = 2000;

export interface ServerOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free port (default 0). */
  port?: number;
  /** When set, every route but /healthz and preflights requires it. */
  apiKey?: string;
  /** Executes runs. */
  runner: Runner;
  /** Retention of finished streams (default 3600). */
  ttlSeconds?: number;
  /** Interval between heartbeats on each SSE connection (default 15). */
  heartbeatSeconds?: number;
  /** Cap on running streams (default 100). */
  maxStreams?: number;
  /** Seconds an `on_disconnect: "cancel"` run may have no subscriber before it is cancelled (default 30). */
  disconnectGraceSeconds?: number;
  /** Bytes of one stream's log before its run is stopped with E_LOG_TOO_LARGE (default 32 MiB). */
  maxStreamBytes?: number;
  /** Bytes of all logs kept; finished streams go first, then new runs get 503 E_STORE_FULL (default 256 MiB). */
  maxTotalBytes?: number;
  /** Finished streams kept before the oldest finished is dropped (default 1000). */
  maxFinished?: number;
  /** Cap on open SSE connections (default 1000). */
  maxConnections?: number;
  /**
   * `*` or comma-separated origins allowed by CORS; off when unset. A request carrying any other `Origin`
   * than these and the server's own is refused with 403 on every route.
   */
  corsOrigin?: string;
  /** The built web page to serve at `/` (`#web-assets`); no page when unset. */
  webAssets?: WebAssets;
  /** What `GET /api/providers` lists (see `providerOffer`); an empty list when unset. */
  providers?: ProviderOffer;
  /**
   * Host names answered besides loopback names, the listening address and the socket's own address
   * (`*`: any); any other `Host` gets 403, which is what defeats DNS rebinding.
   */
  allowedHosts?: readonly string[];
  /** Sockets one peer address may hold before its further ones only get /healthz (default 256). */
  maxConnectionsPerPeer?: number;
  /** A socket must send its first request's headers within this time (default 3000 ms). */
  firstRequestTimeoutMs?: number;
  /** One short line about a peer's behaviour (hang-ups, malformed requests). Default: ignored. */
  onDebug?: (message: string) => void;
  /** Reconnection delay sent as `retry:` (default 2000). */
  retryMs?: number;
  /** Defaults to an in-memory store. A given store is not closed by `close()`. */
  store?: StreamStore;
  /** This server's name on /healthz; defaults to the shared store's instance id, or a random one. */
  instanceId?: string;
  /**
   * With a store shared by several servers (Redis): leases, cancels from any server, take-over of runs
   * whose server stopped, and hand-over on close instead of cancelling. Not stopped by `close()`'s caller.
   */
  coordinator?: RunCoordinator;
  /** Injected for tests (TTL, heartbeats); defaults to the system clock. */
  clock?: Clock;
  /** Receives unexpected errors (answered with a bare 500). Default: ignored. */
  onError?: (error: unknown) => void;
  /** Override of {@link HEADERS_TIMEOUT_MS}, for tests. */
  headersTimeoutMs?: number;
  /** Override of {@link REQUEST_TIMEOUT_MS}, for tests. */
  requestTimeoutMs?: number;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  port: number;
  manager: StreamManager;
  /** The underlying node:http server (for metrics and tests; do not close it directly). */
  httpServer: Server;
  /**
   * Stops accepting connections, cancels running runs (`task_error` `E_SHUTDOWN`), lets subscribers
   * receive that, then closes every connection. Resolves within a few seconds; safe to call twice.
   */
  close(reason?: 'shutdown'): Promise<void>;
}

/** Starts the SSE stream server (`corch serve`, and the embedded server of `corch run`). */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const manager = new StreamManager({
    runner: options.runner,
    clock,
    ...(options.store ? { store: options.store } : {}),
    ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
    ...(options.maxStreams !== undefined ? { maxStreams: options.maxStreams } : {}),
    ...(options.disconnectGraceSeconds !== undefined ? { disconnectGraceSeconds: options.disconnectGraceSeconds } : {}),
    ...(options.coordinator ? { coordinator: options.coordinator } : {}),
    ...(options.maxStreamBytes !== undefined ? { maxStreamBytes: options.maxStreamBytes } : {}),
    ...(options.maxTotalBytes !== undefined ? { maxTotalBytes: options.maxTotalBytes } : {}),
    ...(options.maxFinished !== undefined ? { maxFinished: options.maxFinished } : {}),
  });
  const connections = new Set<StreamFollower>();
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  let notifyIdle: (() => void) | undefined;
  const ctx: ServerContext = {
    manager,
    instanceId: options.instanceId ?? storeInstanceId(options.store) ?? randomUUID().slice(0, 8),
    clock,
    apiKey: options.apiKey === '' ? undefined : options.apiKey,
    corsOrigin: options.corsOrigin === '' ? undefined : options.corsOrigin,
    retryMs: options.retryMs ?? SSE_RETRY_MS,
    webAssets: options.webAssets,
    providers: options.providers,
    maxConnections,
    startedAt: clock.now(),
    connections,
    wheel: new HeartbeatWheel(clock, (options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000),
    onError: options.onError ?? (() => undefined),
    onDebug: options.onDebug ?? (() => undefined),
    hostPolicy: createHostPolicy(options.host ?? DEFAULT_HOST, options.allowedHosts ?? [], options.corsOrigin),
    sockets: new SocketGuard(
      {
        maxSockets: maxConnections + EXTRA_SOCKETS,
        maxPerPeer: options.maxConnectionsPerPeer ?? DEFAULT_MAX_CONNECTIONS_PER_PEER,
        firstRequestTimeoutMs: options.firstRequestTimeoutMs ?? DEFAULT_FIRST_REQUEST_TIMEOUT_MS,
      },
      clock,
    ),
    sse: {
      store: manager.store,
      clock,
      release: (connection) => {
        // Paired with the watch() in events-handler: the last subscriber leaving arms on_disconnect.
        manager.unwatch(connection.streamId);
        connections.delete(connection);
        ctx.wheel.remove(connection);
        if (connections.size === 0) notifyIdle?.();
      },
    },
  };

  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = createServer(
    {
      headersTimeout: Math.min(options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout),
      requestTimeout,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      noDelay: true,
      // A missing Host is answered by checkHost, in the JSON shape, rather than by node's bodyless 400.
      requireHostHeader: false,
    },
    createRequestHandler(ctx),
  );
  const upgrades = createUpgradeHandler(ctx);
  server.on('upgrade', upgrades.onUpgrade);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // No server.maxConnections: node would drop sockets past it silently, /healthz included. The guard
  // keeps a reserve that only /healthz answers, and closes silent sockets fast.
  ctx.sockets.attach(server);
  answerClientErrors(server, ctx.onDebug);

  const host = options.host ?? DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Listening first: a run taken over at once has a server for its subscribers to reach.
  try {
    await manager.start();
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await manager.shutdown();
    // Handed-over runs go on elsewhere: their subscribers are ended now and reconnect to another server.
    if (manager.shared) for (const connection of [...connections]) connection.end();
    if (connections.size > 0) {
      // Subscribers now read their final task_error and end themselves; cut the ones that cannot.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
        timer.unref();
        notifyIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const connection of [...connections]) connection.destroy();
    ctx.wheel.stop();
    upgrades.close();
    server.closeAllConnections();
    await closed;
    if (!options.store) await manager.store.close();
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    manager,
    httpServer: server,
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  };
}

/** The instance id a shared store was opened with (it names this server in leases). */
function storeInstanceId(store: StreamStore | undefined): string | undefined {
  const id = (store as { instanceId?: unknown } | undefined)?.instanceId;
  return typeof id === 'string' ? id : undefined;
}
