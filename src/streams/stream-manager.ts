import { randomUUID } from 'node:crypto';
import { CorchError } from '../protocol/errors.js';
import { type EventInput, isTerminalEvent, type StoredEvent } from '../protocol/events.js';
import type { StreamState } from '../protocol/stream-state.js';
import type { TaskRequest } from '../protocol/task-request.js';
import { type Clock, isoTimestamp, systemClock } from './clock.js';
import { LocalRun, type PendingAppend } from './local-run.js';
import { LogEntry } from './log-entry.js';
import {
  DEFAULT_MAX_FINISHED,
  DEFAULT_MAX_STREAM_BYTES,
  DEFAULT_MAX_TOTAL_BYTES,
  LogRetention,
} from './log-retention.js';
import { MemoryStreamStore } from './memory-stream-store.js';
import type { RunCoordinator } from './run-coordinator.js';
import type { Runner } from './run-function.js';
import { type StateBasis, stateChanges } from './stream-state-reducer.js';
import { type RunHost, SharedRuns } from './shared-runs.js';
import type { StreamStore } from './stream-store.js';
import { taskErrorFor } from './task-error.js';

/** How long a finished stream stays readable before it is removed. */
export const DEFAULT_TTL_SECONDS = 3600;
/** Streams that may run at once before `create` answers 503. */
export const DEFAULT_MAX_STREAMS = 100;
/** How long an `on_disconnect: "cancel"` run may have no subscriber before it is cancelled. */
export const DEFAULT_DISCONNECT_GRACE_SECONDS = 30;
const MS_PER_SECOND = 1000;

/** Tells {@link StreamManager} `#settle` that the run function returned rather than threw. */
const RETURNED = Symbol('returned');

export interface StreamManagerOptions {
  /** Executes each run. */
  runner: Runner;
  /** Defaults to a {@link MemoryStreamStore} on the same clock. */
  store?: StreamStore;
  clock?: Clock;
  /** Retention of a finished stream, in seconds (default {@link DEFAULT_TTL_SECONDS}). */
  ttlSeconds?: number;
  /** Cap on running streams (default {@link DEFAULT_MAX_STREAMS}). */
  maxStreams?: number;
  /** Stream ids; defaults to random UUIDs. */
  createId?: () => string;
  /**
   * Seconds an `on_disconnect: "cancel"` run may go without a subscriber before it is cancelled
   * (default {@link DEFAULT_DISCONNECT_GRACE_SECONDS}).
   */
  disconnectGraceSeconds?: number;
  /** Bytes of one stream's log before its run is stopped (default {@link DEFAULT_MAX_STREAM_BYTES}). */
  maxStreamBytes?: number;
  /** Bytes of all logs this server keeps (default {@link DEFAULT_MAX_TOTAL_BYTES}). */
  maxTotalBytes?: number;
  /** Finished streams kept before the oldest finished is dropped (default {@link DEFAULT_MAX_FINISHED}). */
  maxFinished?: number;
  /**
   * With a store shared by several servers: leases, cancels that reach the owner, and take-over of runs
   * whose server stopped (DESIGN §5). Call {@link StreamManager.start} to begin.
   */
  coordinator?: RunCoordinator;
}

/**
 * Creates streams, runs them through the injected {@link Runner}, numbers and stores their events, keeps
 * their state current, cancels them, and expires them after the TTL. Readers (SSE connections) read the
 * log from {@link StreamManager.store} at their own cursor.
 */
export class StreamManager {
  readonly store: StreamStore;
  readonly ttlSeconds: number;
  readonly maxStreams: number;
  readonly disconnectGraceSeconds: number;
  readonly #runner: Runner;
  readonly #clock: Clock;
  readonly #createId: () => string;
  readonly #coordinator: RunCoordinator | undefined;
  /** The bounds on what is kept: bytes per stream and in all, finished streams (log-retention.ts). */
  readonly retention: LogRetention;
  readonly #runs = new Map<string, LocalRun>();
  /** Cancels and take-overs of other servers' runs, once {@link StreamManager.start} has run. */
  #shared: SharedRuns | undefined;
  #live = 0;
  /** Creations between the capacity check and the stream's existence (while `prepare` runs). */
  #reserved = 0;
  #total = 0;
  #closing = false;
  #lastStampMs = Number.NaN;
  #lastStamp = '';

  constructor(options: StreamManagerOptions) {
    this.#runner = options.runner;
    this.#clock = options.clock ?? systemClock;
    this.store = options.store ?? new MemoryStreamStore({ clock: this.#clock });
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    this.maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.#createId = options.createId ?? randomUUID;
    this.disconnectGraceSeconds = options.disconnectGraceSeconds ?? DEFAULT_DISCONNECT_GRACE_SECONDS;
    this.#coordinator = options.coordinator;
    this.retention = new LogRetention(
      {
        maxStreamBytes: options.maxStreamBytes ?? DEFAULT_MAX_STREAM_BYTES,
        maxTotalBytes: options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES,
        maxFinished: options.maxFinished ?? DEFAULT_MAX_FINISHED,
      },
      this.ttlSeconds * MS_PER_SECOND,
    );
  }

  /** Whether runs can outlive this server (another one sharing the store continues them). */
  get shared(): boolean {
    return this.#coordinator !== undefined;
  }

  /** Begins coordinating with the other servers of a shared store (nothing to do without one). */
  async start(): Promise<void> {
    const coordinator = this.#coordinator;
    if (!coordinator) return;
    const host: RunHost = {
      store: this.store,
      runner: this.#runner,
      clock: this.#clock,
      accepting: () => !this.#closing,
      has: (streamId) => this.#runs.has(streamId),
      adopt: (streamId, request, state, lastSeq) => {
        const run = new LocalRun(this, streamId, request, state);
        run.lastSeq = lastSeq;
        this.#runs.set(streamId, run);
        // Counted from here on: the bytes another server wrote are that server's to have bounded.
        this.retention.started(streamId);
        this.#live += 1;
        return run;
      },
      end: (run, error) => {
        this.#stop(run, error, false);
        run.settled = this.#settle(run, RETURNED);
        return run.settled;
      },
      execute: (run) => {
        run.settled = this.#execute(run);
        this.#armGrace(run);
      },
      append: (streamId, input) => this.append(streamId, input),
    };
    this.#shared = new SharedRuns(host, coordinator);
    await coordinator.start({
      cancel: (streamId, reason) => {
        const run = this.#runs.get(streamId);
        if (run) this.#stop(run, reason);
      },
      orphan: (streamId) => {
        this.#shared?.takeOver(streamId).catch(() => undefined);
      },
      lost: (streamId) => {
        const run = this.#runs.get(streamId);
        if (run) this.#release(run, new CorchError('E_SHUTDOWN', 'another server has taken this run over'));
      },
    });
  }

  /**
   * Validates the request with `runner.prepare`, creates the stream and starts its run in the background.
   * Throws CorchError `E_TOO_MANY_STREAMS` (503) at the cap, `E_SHUTDOWN` (503) while shutting down, and
   * whatever `prepare` throws (`E_INVALID_REQUEST` → 400).
   */
  async create(request: TaskRequest): Promise<StreamState> {
    this.#assertAccepting();
    this.retention.assertRoom(this.#clock.now(), this.#drop);
    this.#reserved += 1;
    try {
      await this.#runner.prepare?.(request);
    } finally {
      this.#reserved -= 1;
    }
    this.#assertAccepting();
    const streamId = this.#createId();
    const now = isoTimestamp(this.#clock.now());
    const state = initialState(streamId, request.task, now);
    const run = new LocalRun(this, streamId, request, state);
    // Counted before the first await so that concurrent creations see the cap.
    this.#runs.set(streamId, run);
    this.retention.started(streamId);
    this.#live += 1;
    this.#total += 1;
    try {
      await this.store.create(state);
      await this.#coordinator?.claim(streamId, request);
    } catch (error) {
      this.#runs.delete(streamId);
      this.#live -= 1;
      throw error;
    }
    run.settled = this.#execute(run);
    // Its creator has not subscribed yet: the grace period covers that too.
    this.#armGrace(run);
    return { ...state };
  }

  /**
   * A subscriber of `streamId` started reading on this server (an SSE or WebSocket response). Pair every
   * call with one {@link StreamManager.unwatch}. Only runs owned by this server are counted; unknown or
   * finished streams are ignored.
   */
  watch(streamId: string): void {
    const run = this.#runs.get(streamId);
    if (!run) {
      // Another server's run: its owner learns through the store that someone here is watching.
      this.#coordinator?.watching(streamId, 1);
      return;
    }
    run.watchers += 1;
    this.#disarmGrace(run);
  }

  /**
   * A subscriber of `streamId` went away. When the last one goes, a run that asked for
   * `on_disconnect: "cancel"` is cancelled after {@link StreamManager.disconnectGraceSeconds} unless
   * someone subscribes again meanwhile.
   */
  unwatch(streamId: string): void {
    const run = this.#runs.get(streamId);
    if (!run) {
      this.#coordinator?.watching(streamId, -1);
      return;
    }
    if (run.watchers === 0) return;
    run.watchers -= 1;
    if (run.watchers === 0) this.#armGrace(run);
  }

  /**
   * Numbers, stores and publishes one event of a run in this process. Resolves once it is stored (with the
   * other events of the same turn); at once when the stream has already ended (the event is dropped).
   */
  append(streamId: string, input: EventInput): Promise<void> {
    const run = this.#runs.get(streamId);
    if (!run || run.ended) return SETTLED;
    if (isTerminalEvent(input.event)) this.#markEnded(run);
    else {
      // A log past its bounds ends with a task_error instead of this event (a terminal one is always kept).
      const refusal = this.retention.refusal(streamId, this.#clock.now(), this.#drop);
      if (refusal) {
        this.#stop(run, refusal);
        return SETTLED;
      }
    }
    return this.#write(run, input);
  }

  get(streamId: string): Promise<StreamState | undefined> {
    return this.store.getState(streamId);
  }

  /** Every stream's state, newest first. */
  list(): Promise<StreamState[]> {
    return this.store.list();
  }

  /**
   * Stops a running stream: aborts the run's signal with `reason`, then ends the log with a `task_error`
   * carrying `reason.code` (`E_CANCELLED` by default). A stream that has already ended is left as it is.
   * Resolves with the state afterwards, or undefined for an unknown stream.
   */
  async cancel(streamId: string, reason?: CorchError): Promise<StreamState | undefined> {
    const why = reason ?? new CorchError('E_CANCELLED', 'the run was cancelled by a client');
    const run = this.#runs.get(streamId);
    if (run) {
      this.#stop(run, why);
      await run.tail;
    } else if (this.#shared) {
      await this.#shared.cancelElsewhere(streamId, why);
    }
    return this.store.getState(streamId);
  }

  /**
   * Refuses new streams; then, by default, cancels every running one with `E_SHUTDOWN` and resolves once
   * those are stored. With a shared store, runs are handed over instead (their provider requests are
   * aborted and their leases released, so another server continues them at once): nothing else could
   * continue a run kept in this process's memory, but another server can continue one kept in Redis.
   */
  async shutdown(): Promise<void> {
    this.#closing = true;
    const runs = [...this.#runs.values()];
    const coordinator = this.#coordinator;
    if (coordinator) {
      const reason = new CorchError('E_SHUTDOWN', 'the server is handing its runs over', { retryable: true });
      for (const run of runs) this.#release(run, reason);
      await Promise.all(runs.map((run) => run.tail));
      await Promise.all(runs.map((run) => coordinator.handOver(run.streamId).catch(() => undefined)));
      await coordinator.stop();
      return;
    }
    const reason = new CorchError('E_SHUTDOWN', 'the server is shutting down', { retryable: true });
    for (const run of runs) this.#stop(run, reason);
    await Promise.all(runs.map((run) => run.tail));
  }

  /** Resolves once the run's function has returned or thrown (at once for unknown streams). */
  whenSettled(streamId: string): Promise<void> {
    return this.#runs.get(streamId)?.settled ?? Promise.resolve();
  }

  /** Running streams and streams created since start, for /healthz. */
  counts(): { live: number; total: number } {
    return { live: this.#live, total: this.#total };
  }

  #assertAccepting(): void {
    if (this.#closing) {
      throw new CorchError('E_SHUTDOWN', 'the server is shutting down; try again on another server', {
        status: 503,
        retryable: true,
      });
    }
    if (this.#live + this.#reserved >= this.maxStreams) {
      throw new CorchError(
        'E_TOO_MANY_STREAMS',
        `the server is already running ${this.maxStreams} streams (its --max-streams); try again shortly`,
        { status: 503, retryable: true },
      );
    }
  }

  /**
   * Runs the run function, then ends the stream if it did not, waits for the last store write, and forgets
   * the run. Promise callbacks rather than an async function: a suspended async function holds a generator
   * and its registers for the whole (possibly hours-long) run.
   */
  #execute(run: LocalRun): Promise<void> {
    let running: Promise<void>;
    try {
      running = this.#runner.run(run);
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      () => this.#settle(run, RETURNED),
      // Everything the run already emitted stays in the log; its failure is appended after it.
      (error: unknown) => this.#settle(run, error),
    );
  }

  /** After the run function returned ({@link RETURNED}) or threw `error`: ends the stream if it has not ended. */
  #settle(run: LocalRun, error: unknown): Promise<void> {
    if (!run.ended) {
      const reason =
        error === RETURNED
          ? new CorchError('E_RUN_FAILED', 'the run ended without sending task_completed or task_error')
          : error;
      this.#stop(run, reason, false);
    }
    return run.tail.then(() => {
      if (this.#runs.get(run.streamId) === run) this.#runs.delete(run.streamId);
      if (!run.released) this.#coordinator?.finished(run.streamId).catch(() => undefined);
    });
  }

  /** Stops running `run` here without ending its stream: it was handed over, or another server took it. */
  #release(run: LocalRun, reason: CorchError): void {
    if (run.ended) return;
    run.released = true;
    this.retention.forget(run.streamId);
    this.#markEnded(run);
    run.controller.abort(reason);
  }

  /** Ends the stream with a `task_error` for `error`; with `abort`, first aborts the run's signal. */
  #stop(run: LocalRun, error: unknown, abort = true): void {
    if (run.ended) return;
    this.#markEnded(run);
    // Marked ended first, so whatever the run emits while reacting to the abort is dropped.
    if (abort) run.controller.abort(error);
    const ending = taskErrorFor(error);
    // A cancel or a shutdown comes from outside the run and knows no stage: it interrupted the running one.
    ending.data.stage ??= run.currentStage;
    this.#write(run, ending).catch(() => undefined);
  }

  #markEnded(run: LocalRun): void {
    run.ended = true;
    this.#live -= 1;
    this.#disarmGrace(run);
  }

  #armGrace(run: LocalRun): void {
    if (run.request.on_disconnect !== 'cancel' || run.ended || run.graceTimer !== undefined) return;
    const seconds = this.disconnectGraceSeconds;
    run.graceTimer = this.#clock.setTimeout(() => {
      run.graceTimer = undefined;
      if (run.watchers > 0) return;
      const cancel = () => {
        if (run.watchers > 0 || run.ended) return;
        const message = `nobody watched the run for ${seconds} s and it asked to be cancelled then (on_disconnect: "cancel")`;
        this.#stop(run, new CorchError('E_CANCELLED', message));
      };
      // With a shared store its watchers may be on other servers: then wait another grace period.
      if (!this.#coordinator) return cancel();
      this.#coordinator.watchedElsewhere(run.streamId).then(
        (watched) => (watched ? this.#armGrace(run) : cancel()),
        () => this.#armGrace(run),
      );
    }, seconds * MS_PER_SECOND);
  }

  #disarmGrace(run: LocalRun): void {
    if (run.graceTimer === undefined) return;
    this.#clock.clearTimeout(run.graceTimer);
    run.graceTimer = undefined;
  }

  /**
   * Numbers the event and stores it. A store with `appendNow` (memory) takes it at once. Otherwise it is
   * queued on the run's pending append: the events of one event-loop turn go to the store in one `append`
   * (one round trip, one state patch, one listener batch), and every emit of that turn is answered by the
   * same promise. Either way an event costs its JSON and a few fields, not a chain of promises.
   */
  #write(run: LocalRun, input: EventInput): Promise<void> {
    run.lastSeq += 1;
    const seq = run.lastSeq;
    const streamId = run.streamId;
    const timestamp = this.#timestamp();
    // One object per event. The envelope leads the JSON (its keys come first) and is assigned again after
    // the run's fields, so whatever the run put in its data cannot override it.
    const data = { stream_id: streamId, seq, timestamp, ...input.data };
    data.stream_id = streamId;
    data.seq = seq;
    data.timestamp = timestamp;
    const event = { event: input.event, data } as StoredEvent;
    const entry = new LogEntry(seq, event.event, JSON.stringify(data));
    const changes = stateChanges(run, event);
    applyBasis(run, changes);
    if (event.event === 'chunk_started') run.currentStage = event.data.stage;
    const terminal = isTerminalEvent(event.event);
    this.retention.grew(streamId, entry.size);
    if (terminal) this.retention.finished(streamId, this.#clock.now(), this.#drop);
    if (this.store.appendNow !== undefined && run.pending === undefined) {
      // A store in this process's memory: stored now. Only the expiry after the terminal event is async.
      try {
        this.store.appendNow(streamId, entry, changes);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!terminal) return SETTLED;
      const expired = this.store.expire(streamId, this.ttlSeconds * MS_PER_SECOND);
      run.tail = expired.catch(ignore);
      return expired;
    }
    const pending = run.pending;
    if (pending !== undefined) {
      pending.entries.push(entry);
      Object.assign(pending.patch, changes);
      if (terminal) pending.terminal = true;
      return pending.stored;
    }
    const next: PendingAppend = {
      entries: [entry],
      patch: changes,
      terminal,
      stored: SETTLED,
    };
    run.pending = next;
    // Chained on the previous append, so the log never has gaps or reorderings; taken off the run when it
    // starts, so events emitted while it is in flight (a remote store) form the next append.
    next.stored = run.tail.then(() => {
      if (run.pending === next) run.pending = undefined;
      return this.#store(streamId, next);
    });
    run.tail = next.stored.catch(ignore);
    return next.stored;
  }

  #store(streamId: string, pending: PendingAppend): Promise<void> {
    const appended = this.store.append(streamId, pending.entries, pending.patch);
    if (!pending.terminal) return appended;
    return appended.then(() => this.store.expire(streamId, this.ttlSeconds * MS_PER_SECOND));
  }

  /** Removes a finished stream the retention bounds dropped (oldest finished first). */
  readonly #drop = (streamId: string): void => {
    this.store.delete(streamId).catch(ignore);
  };

  /** The ISO timestamp of now; events within one millisecond share the string. */
  #timestamp(): string {
    const now = this.#clock.now();
    if (now !== this.#lastStampMs) {
      this.#lastStampMs = now;
      this.#lastStamp = isoTimestamp(now);
    }
    return this.#lastStamp;
  }
}

function ignore(): void {}

const SETTLED: Promise<void> = Promise.resolve();

function applyBasis(basis: StateBasis, changes: Partial<StreamState>): void {
  if (changes.status !== undefined) basis.status = changes.status;
  if (changes.total_chunks !== undefined) basis.total_chunks = changes.total_chunks;
  if (changes.chunks_completed !== undefined) basis.chunks_completed = changes.chunks_completed;
}

function initialState(streamId: string, task: string, now: string): StreamState {
  return {
    stream_id: streamId,
    task,
    status: 'initializing',
    total_chunks: 0,
    chunks_completed: 0,
    current_agent: null,
    current_stage: null,
    error_message: null,
    estimated_time: null,
    estimated_cost: null,
    actual_cost: null,
    created_at: now,
    updated_at: now,
    last_event_id: 0,
    result: null,
  };
}
