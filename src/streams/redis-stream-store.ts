import { randomUUID } from 'node:crypto';
import type { StoredEventName } from '../protocol/events.js';
import type { StreamState } from '../protocol/stream-state.js';
import { type Clock, systemClock } from './clock.js';
import { LogBatch } from './log-batch.js';
import { LogEntry } from './log-entry.js';
import { SHARED_BATCH_LIMIT } from './memory-stream-store.js';
import {
  connectOrExplain,
  openConnection,
  RedisLink,
  type RedisSpec,
  type ScriptedConnection,
} from './redis-client.js';
import { type RawEntry, RedisFeed } from './redis-feed.js';
import { DEFAULT_KEY_PREFIX, entryId, type RedisKeys, redisKeys } from './redis-keys.js';
import { SCRIPT_ERRORS } from './redis-scripts.js';
import { decodeState, encodeState } from './redis-state.js';
import type { StoreHealth, StoredEntry, StreamListener, StreamStore } from './stream-store.js';

/** Streams `list()` reads at most (newest first): the index may hold far more. */
export const LIST_LIMIT = 1000;

export interface RedisStreamStoreOptions {
  /** Key prefix (default `corch`); tests give each store its own to share one Redis. */
  keyPrefix?: string;
  /** This instance's id in leases and on /healthz (default: a random UUID). */
  instanceId?: string;
  clock?: Clock;
  /** How long an operation waits through an outage before failing (default 30 s). */
  outageMs?: number;
}

/** What one process keeps about a stream it writes or watches. */
interface LocalStream {
  readonly listeners: StreamListener[];
  /** Seq of the last entry handed to the listeners. */
  notified: number;
  /** This process appends to the stream (so it tells its listeners itself instead of reading Redis). */
  writing: boolean;
}

/**
 * A {@link StreamStore} on Redis, shared by every `corch serve` of one deployment. Per run: the log is a
 * Redis Stream with entry ids `<seq>-0`; the state a hash; both expire together (PEXPIRE); a sorted set
 * indexes runs for `list()`. See `redis-keys.ts` for the layout and `redis-scripts.ts` for the checks.
 *
 * Appends are one script call per `append` (the writer hands over every event of one event-loop turn),
 * and ioredis' auto-pipelining sends the calls of one turn, for all runs, in one round trip. The writing
 * process tells its own listeners once Redis has stored the entries; other processes learn of them
 * through the shared blocking read of {@link RedisFeed}.
 */
export class RedisStreamStore implements StreamStore {
  readonly instanceId: string;
  readonly keys: RedisKeys;
  readonly link: RedisLink;
  readonly #clock: Clock;
  readonly #feed: RedisFeed;
  readonly #local = new Map<string, LocalStream>();
  /** Runs whose lease this instance holds (kept by the coordinator); their appends are fenced by it. */
  readonly #owners = new Set<string>();

  private constructor(link: RedisLink, options: RedisStreamStoreOptions) {
    this.link = link;
    this.keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.instanceId = options.instanceId ?? randomUUID();
    this.#clock = options.clock ?? systemClock;
    this.#feed = new RedisFeed(link, this.keys, (streamId, entries) => this.#received(streamId, entries));
    // While Redis is away nothing can be delivered: listeners are ended (an SSE client reconnects from its
    // Last-Event-ID once it is back).
    link.watch((available) => {
      if (!available) this.#interruptListeners();
    });
  }

  /**
   * Connects to the Redis (or Cluster) of `spec` and checks it answers; throws CorchError
   * `E_STORE_UNAVAILABLE` with the reason otherwise.
   */
  static async connect(spec: RedisSpec, options: RedisStreamStoreOptions = {}): Promise<RedisStreamStore> {
    const connection = openConnection(spec, 'corch');
    await connectOrExplain(connection, spec);
    const link = new RedisLink(connection, spec, {
      ...(options.outageMs === undefined ? {} : { outageMs: options.outageMs }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    const store = new RedisStreamStore(link, options);
    try {
      await store.#feed.start();
    } catch (error) {
      link.close();
      throw error;
    }
    return store;
  }

  /** What `/healthz` and `corch serve` say about the store. */
  health(): StoreHealth {
    return { kind: 'redis', label: this.link.spec.label, available: this.link.available };
  }

  get connection(): ScriptedConnection {
    return this.link.connection;
  }

  async create(state: StreamState): Promise<void> {
    const id = state.stream_id;
    const created = Date.parse(state.created_at);
    let attempt = 0;
    await this.link.run(async (redis) => {
      attempt += 1;
      try {
        await redis.corchCreate(this.keys.state(id), ...encodeState(state, true));
      } catch (error) {
        // A retry of a create whose reply was lost finds its own stream: the id is this instance's UUID.
        if (!(attempt > 1 && hasCode(error, SCRIPT_ERRORS.exists))) throw translate(error, id);
      }
    });
    // Separate commands: in a Cluster the indexes live in other slots than the run's keys.
    await this.link.run((redis) =>
      Promise.all([redis.zadd(this.keys.index, created, id), redis.zadd(this.keys.running, created, id)]),
    );
  }

  async append(streamId: string, entries: readonly StoredEntry[], patch: Partial<StreamState>): Promise<void> {
    for (let i = 1; i < entries.length; i += 1) {
      const previous = entries[i - 1]?.seq ?? 0;
      if (entries[i]?.seq !== previous + 1) {
        throw new Error(`stream ${streamId}: entries must be contiguous, got ${previous} then ${entries[i]?.seq}`);
      }
    }
    const args: string[] = [this.#owner(streamId), String(entries.length)];
    for (const entry of entries) args.push(String(entry.seq), entry.name, entry.json);
    args.push(...encodeState(patch));
    await this.link.run((redis) =>
      redis
        .corchAppend(this.keys.log(streamId), this.keys.state(streamId), this.keys.lease(streamId), ...args)
        .catch((error: unknown) => {
          throw translate(error, streamId);
        }),
    );
    const last = entries[entries.length - 1];
    if (last === undefined) return;
    const local = this.#localStream(streamId);
    local.writing = true;
    // A writer's own listeners stop being fed by the shared read.
    this.#feed.unwatch(streamId);
    this.#feed.announce(streamId, last.seq);
    this.#notify(streamId, local, entries);
  }

  async read(streamId: string, afterSeq: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredEntry[]> {
    if (limit <= 0) return [];
    const from = Math.max(0, Math.floor(afterSeq)) + 1;
    const raw = (await this.link.run(
      (redis) => redis.xrange(this.keys.log(streamId), entryId(from), '+', 'COUNT', limit),
      false,
    )) as RawEntry[];
    const entries: StoredEntry[] = [];
    let bytes = 0;
    for (const item of raw) {
      const entry = toEntry(item);
      bytes += entry.size;
      if (bytes > maxBytes && entries.length > 0) break;
      entries.push(entry);
    }
    return entries;
  }

  /**
   * Always registers (existence is Redis' to say, and this method is synchronous): a listener of a
   * stream that does not exist simply hears nothing, and the SSE route checks the state first.
   */
  subscribe(streamId: string, listener: StreamListener): boolean {
    const local = this.#localStream(streamId);
    local.listeners.push(listener);
    if (!local.writing) this.#feed.watch(streamId);
    return true;
  }

  unsubscribe(streamId: string, listener: StreamListener): void {
    const local = this.#local.get(streamId);
    if (!local) return;
    const index = local.listeners.indexOf(listener);
    if (index >= 0) local.listeners.splice(index, 1);
    if (local.listeners.length === 0 && !local.writing) {
      this.#local.delete(streamId);
      this.#feed.unwatch(streamId);
    }
  }

  async getState(streamId: string): Promise<StreamState | undefined> {
    const hash = await this.link.run((redis) => redis.hgetall(this.keys.state(streamId)), false);
    return decodeState(hash);
  }

  async patchState(streamId: string, patch: Partial<StreamState>): Promise<boolean> {
    try {
      await this.append(streamId, [], patch);
      return true;
    } catch (error) {
      if (hasCode(error, SCRIPT_ERRORS.noStream)) return false;
      throw error;
    }
  }

  async list(): Promise<StreamState[]> {
    const ids = await this.link.run((redis) => redis.zrevrange(this.keys.index, 0, LIST_LIMIT - 1), false);
    const hashes = await this.link.run(
      (redis) => Promise.all(ids.map((id) => redis.hgetall(this.keys.state(id)))),
      false,
    );
    const states: StreamState[] = [];
    const expired: string[] = [];
    ids.forEach((id, i) => {
      const state = decodeState(hashes[i] ?? {});
      if (state) states.push(state);
      else expired.push(id);
    });
    // The index has no TTL of its own: runs whose keys expired leave it when they are next listed.
    if (expired.length > 0) {
      this.link
        .run((redis) => Promise.all([redis.zrem(this.keys.index, ...expired), redis.zrem(this.keys.running, ...expired)]))
        .catch(() => undefined);
    }
    return states;
  }

  async delete(streamId: string): Promise<boolean> {
    const removed = await this.link.run((redis) =>
      redis.del(
        this.keys.log(streamId),
        this.keys.state(streamId),
        this.keys.lease(streamId),
        this.keys.declined(streamId),
        this.keys.watched(streamId),
      ),
    );
    await this.link.run((redis) =>
      Promise.all([redis.zrem(this.keys.index, streamId), redis.zrem(this.keys.running, streamId)]),
    );
    this.#gone(streamId);
    return removed > 0;
  }

  async expire(streamId: string, ttlMs: number): Promise<void> {
    const ms = String(Math.max(1, Math.round(ttlMs)));
    await this.link.run((redis) =>
      redis.corchExpire(
        this.keys.log(streamId),
        this.keys.state(streamId),
        this.keys.lease(streamId),
        this.keys.declined(streamId),
        ms,
      ),
    );
    // An expiring run has ended: it is no longer one another instance might take over.
    await this.link.run((redis) => redis.zrem(this.keys.running, streamId));
    const local = this.#local.get(streamId);
    if (local) {
      local.writing = false;
      if (local.listeners.length === 0) this.#local.delete(streamId);
    }
  }

  /** This process stops writing the stream (it handed it over, or lost it): its listeners read Redis again. */
  stopWriting(streamId: string): void {
    const local = this.#local.get(streamId);
    if (!local) return;
    local.writing = false;
    if (local.listeners.length > 0) this.#feed.watch(streamId);
    else this.#local.delete(streamId);
  }

  async close(): Promise<void> {
    this.#feed.stop();
    this.link.close();
    this.#local.clear();
  }

  /** The owner a write must hold the lease of: this instance, once it holds the run's lease. */
  #owner(streamId: string): string {
    return this.#owners.has(streamId) ? this.instanceId : '';
  }

  /** Marks `streamId` as leased by this instance (true) or not (false): its appends are then fenced. */
  setOwned(streamId: string, owned: boolean): void {
    if (owned) this.#owners.add(streamId);
    else this.#owners.delete(streamId);
  }

  /** Entries delivered by the shared read. */
  #received(streamId: string, raw: RawEntry[]): void {
    const local = this.#local.get(streamId);
    if (!local || local.writing) return;
    const entries = raw.map(toEntry).filter((entry) => entry.seq > local.notified);
    this.#notify(streamId, local, entries);
  }

  #notify(streamId: string, local: LocalStream, entries: readonly StoredEntry[]): void {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (first === undefined || last === undefined) return;
    local.notified = Math.max(local.notified, last.seq);
    if (local.listeners.length === 0) return;
    const batch = entries.length <= SHARED_BATCH_LIMIT ? LogBatch.of(entries) : LogBatch.range(first.seq, last);
    const listeners = local.listeners.length === 1 ? local.listeners : local.listeners.slice();
    for (const listener of listeners) {
      try {
        listener.onEntries(batch);
      } catch {
        // Listeners must not throw; one that does must not cost the others their batch.
      }
    }
    if (batch.terminal) this.#feed.unwatch(streamId);
  }

  #localStream(streamId: string): LocalStream {
    let local = this.#local.get(streamId);
    if (!local) {
      local = { listeners: [], notified: 0, writing: false };
      this.#local.set(streamId, local);
    }
    return local;
  }

  #gone(streamId: string): void {
    const local = this.#local.get(streamId);
    this.#local.delete(streamId);
    this.#feed.unwatch(streamId);
    for (const listener of local?.listeners.splice(0) ?? []) listener.onGone();
  }

  /** Redis went away: every listener is ended (it reconnects and resumes from its cursor). */
  #interruptListeners(): void {
    for (const [streamId, local] of [...this.#local]) {
      const listeners = local.listeners.splice(0);
      if (!local.writing) this.#local.delete(streamId);
      this.#feed.unwatch(streamId);
      for (const listener of listeners) {
        if (listener.onInterrupted) listener.onInterrupted();
        else listener.onGone();
      }
    }
  }
}

function toEntry(item: RawEntry): StoredEntry {
  const [id, fields] = item;
  let name = '';
  let json = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'n') name = fields[i + 1] ?? '';
    else if (fields[i] === 'd') json = fields[i + 1] ?? '';
  }
  const dash = id.indexOf('-');
  return new LogEntry(Number(id.slice(0, dash)), name as StoredEventName, json);
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && (scriptMessage(error, code) !== undefined || (error as { code?: unknown }).code === code);
}

/** What follows `code` in a script's error (Redis may put `ERR ` in front), or undefined for another error. */
function scriptMessage(error: Error, code: string): string | undefined {
  const text = error.message.startsWith('ERR ') ? error.message.slice(4) : error.message;
  return text.startsWith(code) ? text.slice(code.length).trim() : undefined;
}

/** The scripts' errors as the memory store words them (the conformance suite checks both alike). */
function translate(error: unknown, streamId: string): unknown {
  if (!(error instanceof Error)) return error;
  if (hasCode(error, SCRIPT_ERRORS.noStream)) return withCode(`stream ${streamId} does not exist`, SCRIPT_ERRORS.noStream);
  if (hasCode(error, SCRIPT_ERRORS.exists)) return withCode(`stream ${streamId} already exists`, SCRIPT_ERRORS.exists);
  const seq = scriptMessage(error, SCRIPT_ERRORS.seq);
  if (seq !== undefined) return withCode(`stream ${streamId}: ${seq}`, SCRIPT_ERRORS.seq);
  const holder = scriptMessage(error, SCRIPT_ERRORS.leaseLost);
  if (holder !== undefined) {
    return withCode(`stream ${streamId} is now run by instance ${holder}`, SCRIPT_ERRORS.leaseLost);
  }
  return error;
}

/** An Error whose message starts with the script's code, so {@link hasCode} still recognises it. */
function withCode(message: string, code: string): Error {
  const error = new Error(message);
  (error as Error & { code: string }).code = code;
  return error;
}
