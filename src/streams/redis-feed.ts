import type { Redis } from 'ioredis';
import { entryId, type RedisKeys, seqOfEntryId, streamIdOfLogKey } from './redis-keys.js';
import { openConnection, type RedisLink } from './redis-client.js';

/** One entry as Redis returns it: `[id, ['n', name, 'd', json]]`. */
export type RawEntry = [id: string, fields: string[]];

/** Entries read per stream per blocking read: bounds one reply, whatever a run appends at once. */
export const FEED_READ_COUNT = 1024;
/** Pause before the blocking read is tried again after the connection failed. */
const FEED_RETRY_MS = 200;
/**
 * The blocking read returns at least this often even when nothing comes: the backstop should an
 * interruption reach Redis before the read it was meant for.
 */
const FEED_BLOCK_MS = 5000;
/** Pause before interrupting again a read that was not blocked yet when first interrupted. */
const UNBLOCK_RETRY_MS = 5;

interface Watched {
  /** Seq of the last entry delivered (or known to exist when watching began); undefined until known. */
  cursor: number | undefined;
  /** Highest seq announced (Cluster) before the cursor was known: read up to it once it is. */
  announced: number;
}

/**
 * Live delivery of runs written by other instances: one blocking read for the whole process, shared by
 * all of its local listeners, never one connection per subscriber.
 *
 * A single Redis: one dedicated connection runs `XREAD BLOCK 0 STREAMS <every watched log> <cursors>`;
 * when a stream is added, the command connection interrupts it (`CLIENT UNBLOCK`) so the next read
 * includes it. A Redis Cluster refuses a multi-key XREAD across slots (each run is in its own slot), so
 * there writers announce appends on one pub/sub channel and a watching process reads on from its cursor
 * with XRANGE: still one connection per process.
 *
 * A stream starts being watched from its last entry as the command connection sees it; that query is sent
 * before any read a new listener makes, on the same connection, so nothing falls between the two.
 */
export class RedisFeed {
  readonly #link: RedisLink;
  readonly #keys: RedisKeys;
  readonly #deliver: (streamId: string, entries: RawEntry[]) => void;
  readonly #watched = new Map<string, Watched>();
  #reader: Redis | undefined;
  #readerId: number | undefined;
  #subscriber: Redis | undefined;
  #blocked = false;
  /** Changes whenever a stream becomes readable; a blocking read made with an older one is interrupted. */
  #generation = 0;
  #readGeneration = 0;
  #wake: (() => void) | undefined;
  #stopped = false;

  constructor(link: RedisLink, keys: RedisKeys, deliver: (streamId: string, entries: RawEntry[]) => void) {
    this.#link = link;
    this.#keys = keys;
    this.#deliver = deliver;
  }

  /** Opens the feed's own connection. */
  async start(): Promise<void> {
    const spec = this.#link.spec;
    if (spec.cluster) {
      // Pub/sub on a Cluster: one node connection receives every node's PUBLISH.
      const subscriber = openConnection({ ...spec, cluster: false }, 'corch-feed') as unknown as Redis;
      this.#subscriber = subscriber;
      subscriber.on('message', (_channel: string, message: string) => this.#announced(message));
      await subscriber.connect();
      await subscriber.subscribe(this.#keys.appended);
      return;
    }
    const reader = openConnection(spec, 'corch-feed') as unknown as Redis;
    this.#reader = reader;
    reader.on('ready', () => {
      this.#readerId = undefined;
      reader.client('ID').then(
        (id) => {
          this.#readerId = Number(id);
        },
        () => undefined,
      );
    });
    await reader.connect();
    this.#readerId = Number(await reader.client('ID'));
    void this.#loop(reader);
  }

  /** Delivers the stream's new entries from now on. */
  watch(streamId: string): void {
    if (this.#watched.has(streamId)) return;
    const watched: Watched = { cursor: undefined, announced: 0 };
    this.#watched.set(streamId, watched);
    this.#link.connection.xrevrange(this.#keys.log(streamId), '+', '-', 'COUNT', 1).then(
      (last) => {
        if (this.#watched.get(streamId) !== watched) return;
        const top = last[0];
        watched.cursor = top ? seqOfEntryId(top[0]) : 0;
        if (watched.announced > watched.cursor) this.#announced(`${watched.announced} ${streamId}`);
        this.#restart();
      },
      () => {
        // Redis is down: the stream's listeners are told so by the store; watch it again once back.
        if (this.#watched.get(streamId) === watched) this.#watched.delete(streamId);
      },
    );
  }

  unwatch(streamId: string): void {
    this.#watched.delete(streamId);
  }

  /** Whether the stream's new entries are being delivered. */
  watching(streamId: string): boolean {
    return this.#watched.has(streamId);
  }

  /** Called by a writer in a Cluster after each append. */
  announce(streamId: string, lastSeq: number): void {
    if (!this.#link.spec.cluster) return;
    this.#link.connection.publish(this.#keys.appended, `${lastSeq} ${streamId}`).catch(() => undefined);
  }

  stop(): void {
    this.#stopped = true;
    this.#watched.clear();
    this.#wake?.();
    this.#reader?.disconnect();
    this.#subscriber?.disconnect();
  }

  /** Interrupts the blocking read so that the next one covers the current set of streams. */
  #restart(): void {
    if (this.#link.spec.cluster) return;
    this.#generation += 1;
    if (this.#wake) {
      this.#wake();
      return;
    }
    this.#interrupt();
  }

  #interrupt(): void {
    if (!this.#blocked || this.#readerId === undefined || this.#readGeneration === this.#generation) return;
    this.#link.connection.client('UNBLOCK', this.#readerId).then(
      (unblocked) => {
        // The read was sent but had not reached Redis yet: try again in a moment.
        if (Number(unblocked) === 0) setTimeout(() => this.#interrupt(), UNBLOCK_RETRY_MS).unref();
      },
      () => undefined,
    );
  }

  async #loop(reader: Redis): Promise<void> {
    while (!this.#stopped) {
      const keys: string[] = [];
      const ids: string[] = [];
      for (const [streamId, watched] of this.#watched) {
        if (watched.cursor === undefined) continue;
        keys.push(this.#keys.log(streamId));
        ids.push(entryId(watched.cursor));
      }
      if (keys.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      let reply: [string, RawEntry[]][] | null;
      this.#blocked = true;
      this.#readGeneration = this.#generation;
      try {
        reply = (await reader.xread('COUNT', FEED_READ_COUNT, 'BLOCK', FEED_BLOCK_MS, 'STREAMS', ...keys, ...ids)) as
          | [string, RawEntry[]][]
          | null;
      } catch {
        // The connection dropped (it reconnects by itself) or Redis refused the read: wait, then read on.
        this.#blocked = false;
        if (this.#stopped) return;
        await new Promise((resolve) => setTimeout(resolve, FEED_RETRY_MS).unref());
        continue;
      }
      this.#blocked = false;
      for (const [key, entries] of reply ?? []) {
        const streamId = streamIdOfLogKey(key);
        if (streamId !== undefined) this.#received(streamId, entries);
      }
    }
  }

  /** A Cluster writer appended up to `lastSeq`: read on from the cursor. */
  #announced(message: string): void {
    const space = message.indexOf(' ');
    const lastSeq = Number(message.slice(0, space));
    const streamId = message.slice(space + 1);
    const watched = this.#watched.get(streamId);
    if (!watched) return;
    if (watched.cursor === undefined) {
      watched.announced = Math.max(watched.announced, lastSeq);
      return;
    }
    if (lastSeq <= watched.cursor) return;
    const from = watched.cursor;
    this.#link.connection
      .xrange(this.#keys.log(streamId), entryId(from + 1), '+', 'COUNT', FEED_READ_COUNT)
      .then((entries) => {
        this.#received(streamId, entries as RawEntry[]);
        // More than one read's worth: go on.
        if (watched.cursor !== undefined && watched.cursor < lastSeq && this.#watched.get(streamId) === watched) {
          this.#announced(message);
        }
      })
      .catch(() => undefined);
  }

  #received(streamId: string, entries: RawEntry[]): void {
    const watched = this.#watched.get(streamId);
    if (!watched || watched.cursor === undefined) return;
    const fresh = entries.filter((entry) => seqOfEntryId(entry[0]) > (watched.cursor ?? 0));
    const last = fresh[fresh.length - 1];
    if (last === undefined) return;
    watched.cursor = seqOfEntryId(last[0]);
    this.#deliver(streamId, fresh);
  }
}
