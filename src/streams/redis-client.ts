import { Cluster, Redis } from 'ioredis';
import { CorchError } from '../protocol/errors.js';
import { type Clock, systemClock } from './clock.js';
import { APPEND_SCRIPT, CREATE_SCRIPT, EXPIRE_SCRIPT, LEASE_SCRIPT } from './redis-scripts.js';
import type { StoreSpec } from './store-url.js';

/** A Redis URL that parsed. */
export type RedisSpec = Extract<StoreSpec, { kind: 'redis' }>;

/** One connection to Redis or to a Redis Cluster (ioredis' two clients share the command API). */
export type RedisConnection = Redis | Cluster;

/** How long `corch serve` waits for Redis at start before saying it cannot reach it. */
export const CONNECT_TIMEOUT_MS = 5000;
/** Reconnection backoff: 100 ms, 200 ms, … up to this. */
const MAX_RECONNECT_DELAY_MS = 2000;
const RECONNECT_STEP_MS = 100;
/**
 * How long a store operation waits for Redis to come back before failing: appends wait through a restart
 * or a fail-over of this length instead of failing the run at once.
 */
export const DEFAULT_OUTAGE_MS = 30_000;
/** Pause between retries of one operation during an outage (doubling up to {@link MAX_RECONNECT_DELAY_MS}). */
const RETRY_START_MS = 50;

/** The store's custom commands (Lua scripts, sent by EVALSHA). */
interface ScriptCommands {
  corchCreate(key: string, ...args: string[]): Promise<number>;
  corchAppend(log: string, state: string, lease: string, ...args: string[]): Promise<number>;
  corchExpire(log: string, state: string, lease: string, declined: string, ttl: string): Promise<number>;
  corchLease(lease: string, owner: string, now: string, ms: string, mode: string): Promise<number | string | null>;
}

export type ScriptedConnection = RedisConnection & ScriptCommands;

/**
 * Opens a connection for `spec`. Commands never wait in ioredis' offline queue or get resent by it: a
 * command either reaches a ready connection or fails at once, and {@link RedisLink.run} owns the one
 * retry policy (waiting for the connection, with backoff, bounded by the outage budget).
 */
export function openConnection(spec: RedisSpec, name: string): ScriptedConnection {
  const common = {
    username: spec.username,
    password: spec.password,
    connectionName: name,
    ...(spec.tls ? { tls: {} } : {}),
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
  const retry = (times: number) => Math.min(times * RECONNECT_STEP_MS, MAX_RECONNECT_DELAY_MS);
  const connection: RedisConnection = spec.cluster
    ? new Cluster(
        spec.nodes.map((node) => ({ host: node.host, port: node.port })),
        {
          lazyConnect: true,
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          clusterRetryStrategy: retry,
          redisOptions: common,
        },
      )
    : new Redis({
        ...common,
        host: spec.nodes[0]?.host ?? '127.0.0.1',
        port: spec.nodes[0]?.port ?? 6379,
        db: spec.db,
        lazyConnect: true,
        enableOfflineQueue: false,
        retryStrategy: retry,
      });
  // Connection errors are reported through the link's state (and /healthz), not as unhandled events.
  connection.on('error', () => undefined);
  connection.defineCommand('corchCreate', { numberOfKeys: 1, lua: CREATE_SCRIPT });
  connection.defineCommand('corchAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
  connection.defineCommand('corchExpire', { numberOfKeys: 4, lua: EXPIRE_SCRIPT });
  connection.defineCommand('corchLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  return connection as ScriptedConnection;
}

/**
 * Connects `connection` or throws CorchError `E_STORE_UNAVAILABLE` saying where it could not reach Redis
 * and why (the URL shown without its password).
 */
export async function connectOrExplain(connection: RedisConnection, spec: RedisSpec): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // connect() rejects with a bare "Connection is closed"; the socket's own error says why.
  let socketError: Error | undefined;
  const onError = (error: Error) => {
    socketError ??= error;
  };
  connection.on('error', onError);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([connection.connect(), timeout]);
    await Promise.race([connection.ping(), timeout]);
  } catch (error) {
    connection.disconnect();
    const cause = socketError ?? error;
    const why = (cause instanceof Error ? cause.message : String(cause)).replace(/\.+$/, '');
    throw new CorchError(
      'E_STORE_UNAVAILABLE',
      `cannot reach the store ${spec.label}: ${redact(why, spec)}. Check that Redis is running there and the URL (--store or CORCH_STORE) is right.`,
      { cause: error, retryable: true },
    );
  } finally {
    clearTimeout(timer);
    connection.off('error', onError);
  }
}

/** Removes the password from a message (ioredis errors never contain it, but a wrong URL might). */
function redact(text: string, spec: RedisSpec): string {
  return spec.password ? text.split(spec.password).join('***') : text;
}

/**
 * The store's command connection with its outage policy: every operation runs through {@link RedisLink.run},
 * which waits for the connection to be ready and retries an operation that failed because the connection
 * dropped, with backoff, until the outage budget is spent. Operations must be safe to repeat (the append
 * script recognises entries it already stored).
 */
export class RedisLink {
  readonly connection: ScriptedConnection;
  readonly spec: RedisSpec;
  readonly #outageMs: number;
  readonly #clock: Clock;
  #closed = false;
  /** Told when the connection goes down or comes back. */
  readonly #watchers: ((available: boolean) => void)[] = [];
  #available = true;

  constructor(connection: ScriptedConnection, spec: RedisSpec, options: { outageMs?: number; clock?: Clock } = {}) {
    this.connection = connection;
    this.spec = spec;
    this.#outageMs = options.outageMs ?? DEFAULT_OUTAGE_MS;
    this.#clock = options.clock ?? systemClock;
    connection.on('ready', () => this.#setAvailable(true));
    connection.on('close', () => this.#setAvailable(false));
    connection.on('end', () => this.#setAvailable(false));
  }

  /** Whether the last thing heard from Redis is that the connection is ready. */
  get available(): boolean {
    return this.#available && this.connection.status === 'ready';
  }

  /** Calls `watcher(false)` when the connection drops and `watcher(true)` when it is back. */
  watch(watcher: (available: boolean) => void): void {
    this.#watchers.push(watcher);
  }

  /**
   * Runs `operation`, retrying it through connection failures for up to the outage budget. With `wait`
   * false (reads made for a client, who can come back), it fails at once while Redis is unreachable.
   */
  async run<T>(operation: (connection: ScriptedConnection) => Promise<T>, wait = true): Promise<T> {
    const deadline = this.#clock.now() + (wait ? this.#outageMs : 0);
    let pause = RETRY_START_MS;
    for (;;) {
      if (this.#closed) throw new CorchError('E_STORE_UNAVAILABLE', `the store ${this.spec.label} is closed`);
      if (this.connection.status === 'ready') {
        try {
          return await operation(this.connection);
        } catch (error) {
          if (!isConnectionError(error)) throw error;
        }
      }
      if (this.#clock.now() + pause > deadline) {
        const how = wait ? `has not answered for ${Math.round(this.#outageMs / 1000)} s` : 'cannot be reached';
        throw new CorchError('E_STORE_UNAVAILABLE', `the store ${this.spec.label} ${how}; try again shortly`, {
          retryable: true,
          status: 503,
        });
      }
      await sleep(pause);
      pause = Math.min(pause * 2, MAX_RECONNECT_DELAY_MS);
    }
  }

  close(): void {
    this.#closed = true;
    this.connection.disconnect();
  }

  #setAvailable(available: boolean): void {
    if (this.#available === available) return;
    this.#available = available;
    for (const watcher of this.#watchers) watcher(available);
  }
}

/** ioredis' errors for a connection that is down (as opposed to Redis answering with an error). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY)/.test(error.message);
  return (
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|max retries|Failed to refresh slots|None of startup nodes|Cluster isn't ready/i.test(
      error.message,
    ) || error.name === 'MaxRetriesPerRequestError'
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
  });
}
