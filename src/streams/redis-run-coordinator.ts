import type { Redis } from 'ioredis';
import { CorchError, type ErrorCode } from '../protocol/errors.js';
import type { TaskRequest } from '../protocol/task-request.js';
import { type Clock, systemClock, type TimerHandle } from './clock.js';
import { openConnection } from './redis-client.js';
import { STATE_REQUEST_FIELD } from './redis-keys.js';
import { decodeState } from './redis-state.js';
import type { RedisStreamStore } from './redis-stream-store.js';
import type { CoordinatorEvents, OrphanedRun, RunCoordinator } from './run-coordinator.js';

/** How long a lease lasts without renewal (DESIGN §5: another server takes over once it lapses). */
export const DEFAULT_LEASE_MS = 15_000;
/** How often the owner renews its leases (and every server looks for runs to take over). */
export const DEFAULT_RENEW_MS = 5000;
/** Runs looked at per scan for lapsed leases. */
const SCAN_LIMIT = 1000;
/** Servers not heard from for this many lease periods leave the list of live ones. */
const INSTANCE_FORGET_LEASES = 4;
/** How long an instance's "I cannot continue this run" is remembered, in lease periods. */
const DECLINE_MEMORY_LEASES = 20;

export interface RedisRunCoordinatorOptions {
  leaseMs?: number;
  renewMs?: number;
  clock?: Clock;
}

type ControlMessage =
  | { type: 'cancel'; stream_id: string; code: ErrorCode; message: string }
  | { type: 'handover'; stream_id: string };

/**
 * {@link RunCoordinator} on the Redis store: leases are keys of the run (`corch:{id}:lease`, checked by
 * the append script, so a server that lost its lease cannot write), cancels and hand-overs travel on one
 * pub/sub channel, and every server renews its leases and looks for lapsed ones on one timer. Lease times
 * come from the injected clock (see `redis-scripts.ts`).
 */
export class RedisRunCoordinator implements RunCoordinator {
  readonly instanceId: string;
  readonly #store: RedisStreamStore;
  readonly #clock: Clock;
  readonly leaseMs: number;
  readonly renewMs: number;
  /** Runs whose lease this server holds. */
  readonly #owned = new Set<string>();
  /** Runs this server said it cannot continue. */
  readonly #declined = new Set<string>();
  /** Subscribers here of runs other servers execute, by run. */
  readonly #watching = new Map<string, number>();
  #events: CoordinatorEvents | undefined;
  #subscriber: Redis | undefined;
  #timer: TimerHandle | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;

  constructor(store: RedisStreamStore, options: RedisRunCoordinatorOptions = {}) {
    this.#store = store;
    this.instanceId = store.instanceId;
    this.#clock = options.clock ?? systemClock;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewMs = options.renewMs ?? DEFAULT_RENEW_MS;
    if (!(this.renewMs < this.leaseMs)) {
      throw new CorchError('E_USAGE', `the lease renewal (${this.renewMs} ms) must be shorter than the lease (${this.leaseMs} ms)`);
    }
  }

  async start(events: CoordinatorEvents): Promise<void> {
    this.#events = events;
    const spec = this.#store.link.spec;
    // One node of a Cluster hears every node's PUBLISH.
    const subscriber = openConnection({ ...spec, cluster: false }, 'corch-control') as unknown as Redis;
    subscriber.on('message', (_channel: string, message: string) => this.#control(message));
    await subscriber.connect();
    await subscriber.subscribe(this.#store.keys.control);
    this.#subscriber = subscriber;
    await this.tick();
  }

  async claim(streamId: string, request: TaskRequest): Promise<void> {
    const { keys } = this.#store;
    this.#own(streamId);
    await this.#store.link.run((redis) =>
      Promise.all([
        redis.corchLease(keys.lease(streamId), this.instanceId, String(this.#clock.now()), String(this.leaseMs), 'acquire'),
        redis.hset(keys.state(streamId), STATE_REQUEST_FIELD, JSON.stringify(request)),
      ]),
    );
  }

  async finished(streamId: string): Promise<void> {
    this.#disown(streamId);
    this.#declined.delete(streamId);
    // Only this server's own lease: a server that lost its run (and failed writing its end) must not delete
    // the lease of the server that took the run over.
    const { keys, link } = this.#store;
    await link
      .run((redis) => redis.corchLease(keys.lease(streamId), this.instanceId, String(this.#clock.now()), String(this.leaseMs), 'drop'))
      .catch(() => undefined);
  }

  async handOver(streamId: string): Promise<void> {
    this.#disown(streamId);
    this.#store.stopWriting(streamId);
    await this.#release(streamId);
  }

  async requestCancel(streamId: string, reason: CorchError): Promise<void> {
    const message: ControlMessage = { type: 'cancel', stream_id: streamId, code: reason.code, message: reason.message };
    await this.#store.link.run((redis) => redis.publish(this.#store.keys.control, JSON.stringify(message)));
  }

  async ownerAlive(streamId: string): Promise<boolean> {
    const lease = await this.#store.link.run((redis) => redis.get(this.#store.keys.lease(streamId)));
    const parsed = parseLease(lease);
    return parsed !== undefined && parsed.expires > this.#clock.now();
  }

  async takeOver(streamId: string): Promise<OrphanedRun | undefined> {
    const { keys, link } = this.#store;
    const now = String(this.#clock.now());
    const previous = await link.run((redis) =>
      redis.corchLease(keys.lease(streamId), this.instanceId, now, String(this.leaseMs), 'acquire'),
    );
    if (typeof previous !== 'string') return undefined;
    const hash = await link.run((redis) => redis.hgetall(keys.state(streamId)));
    const state = decodeState(hash);
    const requestJson = hash[STATE_REQUEST_FIELD];
    if (!state || requestJson === undefined) {
      await this.finished(streamId);
      return undefined;
    }
    this.#own(streamId);
    const bar = previous.lastIndexOf('|');
    return {
      request: JSON.parse(requestJson) as TaskRequest,
      state,
      previousOwner: previous.slice(0, bar),
      handedOver: previous.slice(bar + 1) === '0' && previous.slice(0, bar) !== '',
    };
  }

  async decline(streamId: string): Promise<'others' | 'none'> {
    const { keys, link } = this.#store;
    this.#declined.add(streamId);
    const now = this.#clock.now();
    const [, , decliners, live] = await link.run((redis) =>
      Promise.all([
        redis.sadd(keys.declined(streamId), this.instanceId),
        redis.pexpire(keys.declined(streamId), this.leaseMs * DECLINE_MEMORY_LEASES),
        redis.smembers(keys.declined(streamId)),
        redis.zrangebyscore(keys.instances, now - this.leaseMs, '+inf'),
      ]),
    );
    if (live.every((instance) => decliners.includes(instance))) return 'none';
    this.#disown(streamId);
    this.#store.stopWriting(streamId);
    await this.#release(streamId);
    return 'others';
  }

  watching(streamId: string, change: 1 | -1): void {
    const count = (this.#watching.get(streamId) ?? 0) + change;
    if (count > 0) this.#watching.set(streamId, count);
    else this.#watching.delete(streamId);
    if (change === 1 && count === 1) this.#markWatched([streamId]).catch(() => undefined);
  }

  async watchedElsewhere(streamId: string): Promise<boolean> {
    return (await this.#store.link.run((redis) => redis.exists(this.#store.keys.watched(streamId)), false)) === 1;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#subscriber?.disconnect();
    // Gone from the live servers at once, so a decline elsewhere does not wait for this one.
    await this.#store.link
      .run((redis) => redis.zrem(this.#store.keys.instances, this.instanceId), false)
      .catch(() => undefined);
  }

  /**
   * Renews this server's leases, says it is alive, and reports runs whose lease lapsed; then re-arms its
   * timer. Runs on the timer; a call while one is under way waits for that one.
   */
  tick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#ticking ??= this.#renewAndScan()
      .catch(() => {
        // Redis is away: try again next time (the leases of others lapse as well, so nothing is stolen).
      })
      .finally(() => {
        this.#ticking = undefined;
        if (this.#timer) this.#clock.clearTimeout(this.#timer);
        this.#timer = this.#stopped ? undefined : this.#clock.setTimeout(() => void this.tick(), this.renewMs);
      });
    return this.#ticking;
  }

  /** Says, for a lease's length, that this server has subscribers of `ids`. */
  async #markWatched(ids: readonly string[]): Promise<void> {
    const { keys, link } = this.#store;
    if (ids.length === 0) return;
    await link.run(
      (redis) => Promise.all(ids.map((id) => redis.set(keys.watched(id), this.instanceId, 'PX', this.leaseMs))),
      false,
    );
  }

  async #renewAndScan(): Promise<void> {
    const { keys, link } = this.#store;
    const now = this.#clock.now();
    await this.#markWatched([...this.#watching.keys()]);
    const owned = [...this.#owned];
    const [renewed, running] = await link.run(
      (redis) =>
        Promise.all([
          Promise.all(
            owned.map((id) => redis.corchLease(keys.lease(id), this.instanceId, String(now), String(this.leaseMs), 'renew')),
          ),
          redis.zrange(keys.running, '0', String(SCAN_LIMIT - 1), 'WITHSCORES'),
          redis.zadd(keys.instances, now, this.instanceId),
          redis.zremrangebyscore(keys.instances, '-inf', now - this.leaseMs * INSTANCE_FORGET_LEASES),
        ]),
      false,
    );
    owned.forEach((id, i) => {
      if (Number(renewed[i]) === 1 || !this.#owned.has(id)) return;
      // Another server holds it now (this one was cut off for longer than the lease).
      this.#disown(id);
      this.#store.stopWriting(id);
      this.#events?.lost(id);
    });
    const candidates: string[] = [];
    for (let i = 0; i + 1 < running.length; i += 2) {
      const id = running[i] as string;
      const created = Number(running[i + 1]);
      if (this.#owned.has(id) || this.#declined.has(id)) continue;
      // A run created a moment ago may not have its lease yet.
      if (created + this.leaseMs > now) continue;
      candidates.push(id);
    }
    if (candidates.length === 0) return;
    const leases = await link.run((redis) => Promise.all(candidates.map((id) => redis.get(keys.lease(id)))), false);
    candidates.forEach((id, i) => {
      const lease = parseLease(leases[i] ?? null);
      if (lease === undefined || lease.expires <= now) this.#events?.orphan(id);
    });
  }

  #control(text: string): void {
    let message: ControlMessage;
    try {
      message = JSON.parse(text) as ControlMessage;
    } catch {
      return;
    }
    if (message.type === 'cancel') {
      if (this.#owned.has(message.stream_id)) {
        this.#events?.cancel(message.stream_id, new CorchError(message.code, message.message));
      }
    } else if (message.type === 'handover') {
      if (!this.#owned.has(message.stream_id) && !this.#declined.has(message.stream_id)) {
        this.#events?.orphan(message.stream_id);
      }
    }
  }

  /** Ends this server's lease at once and tells the others, so the next one need not wait for it to lapse. */
  async #release(streamId: string): Promise<void> {
    const { keys, link } = this.#store;
    const message: ControlMessage = { type: 'handover', stream_id: streamId };
    await link.run((redis) =>
      redis.corchLease(keys.lease(streamId), this.instanceId, String(this.#clock.now()), String(this.leaseMs), 'release'),
    );
    // Only once released: a server told earlier would find the lease still held.
    await link.run((redis) => redis.publish(keys.control, JSON.stringify(message)));
  }

  #own(streamId: string): void {
    this.#owned.add(streamId);
    this.#store.setOwned(streamId, true);
  }

  #disown(streamId: string): void {
    this.#owned.delete(streamId);
    this.#store.setOwned(streamId, false);
  }
}

function parseLease(lease: string | null): { expires: number; owner: string } | undefined {
  if (lease === null) return undefined;
  const bar = lease.indexOf('|');
  return { expires: Number(lease.slice(0, bar)), owner: lease.slice(bar + 1) };
}
