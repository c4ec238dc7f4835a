/**
 * Where a run lives in Redis. Every key of one run carries the run's id as a hash tag (`{…}`), so a Redis
 * Cluster keeps all of them in one slot: the append script touches the log, the state and the lease in one
 * atomic step, which a Cluster only allows for keys of one slot. The few keys shared by all runs (the
 * indexes) are touched by separate commands.
 */
export interface RedisKeys {
  /** The run's log: a Redis Stream, entry id `<seq>-0`, fields `n` (event name) and `d` (the event's JSON). */
  log(streamId: string): string;
  /** The run's state: a hash of StreamState fields (JSON values) plus private `~` fields. */
  state(streamId: string): string;
  /** The owner's lease on the run: `<expires-at ms>|<instance id>`. */
  lease(streamId: string): string;
  /** Instances that could not continue the run after its owner stopped answering. */
  declined(streamId: string): string;
  /** Set (with a short expiry, renewed) by servers that have subscribers of a run they do not execute. */
  watched(streamId: string): string;
  /** Every run, scored by creation time (ms): `GET /api/streams`. */
  readonly index: string;
  /** Runs that have not ended, scored by creation time: what instances look at for runs to take over. */
  readonly running: string;
  /** Instances alive, scored by when each last said so (ms). */
  readonly instances: string;
  /** Pub/sub channel for cancels and hand-overs between instances. */
  readonly control: string;
  /** Pub/sub channel naming runs that were appended to (a Cluster's live delivery; see RedisFeed). */
  readonly appended: string;
}

/** The default key prefix; `--store redis://…` uses it, tests use their own to share one Redis. */
export const DEFAULT_KEY_PREFIX = 'corch';

/** Private state-hash fields (never a StreamState key, which are all snake_case letters). */
export const STATE_SEQ_FIELD = '~seq';
export const STATE_REQUEST_FIELD = '~request';

export function redisKeys(prefix: string = DEFAULT_KEY_PREFIX): RedisKeys {
  return {
    log: (id) => `${prefix}:{${id}}:log`,
    state: (id) => `${prefix}:{${id}}:state`,
    lease: (id) => `${prefix}:{${id}}:lease`,
    declined: (id) => `${prefix}:{${id}}:declined`,
    watched: (id) => `${prefix}:{${id}}:watched`,
    index: `${prefix}:streams`,
    running: `${prefix}:running`,
    instances: `${prefix}:instances`,
    control: `${prefix}:control`,
    appended: `${prefix}:appended`,
  };
}

/** The stream id inside a log key (`corch:{<id>}:log` → `<id>`). */
export function streamIdOfLogKey(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open ? key.slice(open + 1, close) : undefined;
}

/** A Redis Stream entry id for `seq`: Redis itself refuses an XADD whose id is not above the last one. */
export function entryId(seq: number): string {
  return `${seq}-0`;
}

/** The seq of a Redis Stream entry id written by {@link entryId}. */
export function seqOfEntryId(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash >= 0 ? id.slice(0, dash) : id);
}
