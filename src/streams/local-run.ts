import type { EventInput, StageRole, StreamStatus } from '../protocol/events.js';
import type { StreamState } from '../protocol/stream-state.js';
import type { TaskRequest } from '../protocol/task-request.js';
import type { TimerHandle } from './clock.js';
import type { ResumePoint, RunContext } from './run-function.js';
import type { StateBasis } from './stream-state-reducer.js';
import type { StoredEntry } from './stream-store.js';

/** What a run's events go through: the StreamManager's `append`. */
export interface RunAppender {
  append(streamId: string, input: EventInput): Promise<void>;
}

/** Events of one turn on their way to the store as one append; every emit of them gets `stored`. */
export interface PendingAppend {
  readonly entries: StoredEntry[];
  /** The state changes of all of them, merged in order. */
  readonly patch: Partial<StreamState>;
  terminal: boolean;
  stored: Promise<void>;
}

const SETTLED: Promise<void> = Promise.resolve();

/**
 * A run executing in this process; the manager is the only writer of its log. It is also the
 * {@link RunContext} handed to the runner (which sees only that interface): one object per run instead of
 * a context, an emit closure and a copy of the state, because an idle stream holds all of them for hours.
 */
export class LocalRun implements RunContext, StateBasis {
  readonly streamId: string;
  readonly request: TaskRequest;
  readonly controller = new AbortController();
  /** Seq of the last event accepted (numbered synchronously, so seq order is call order). */
  lastSeq = 0;
  /** Set once a terminal event was accepted: later emits are ignored. */
  ended = false;
  /** The stage of the latest chunk_started, named by a cancel's or shutdown's task_error. */
  currentStage: StageRole | null = null;
  // What deriving the next event's state changes needs, as of the last accepted event (the whole state
  // lives in the store).
  status: StreamStatus;
  total_chunks: number;
  chunks_completed: number;
  /** Store writes happen one after another in this chain, so the log never has gaps or reorderings. */
  tail: Promise<void> = SETTLED;
  /** Subscribers reading this stream on this server (for `on_disconnect: "cancel"`). */
  watchers = 0;
  /** Armed while an `on_disconnect: "cancel"` run has no subscriber; cancels it when it fires. */
  graceTimer: TimerHandle | undefined;
  /** The append being filled (not started yet), if any. */
  pending: PendingAppend | undefined = undefined;
  /** Resolves once the run function has returned or thrown and its last event is stored. */
  settled: Promise<void> = SETTLED;
  /** Set on a run taken over from another server: where it continues. */
  resume: ResumePoint | undefined = undefined;
  /** This server stopped running it without ending it (handed over, or another server took it). */
  released = false;
  readonly #appender: RunAppender;

  constructor(appender: RunAppender, streamId: string, request: TaskRequest, basis: StateBasis) {
    this.#appender = appender;
    this.streamId = streamId;
    this.request = request;
    this.status = basis.status;
    this.total_chunks = basis.total_chunks;
    this.chunks_completed = basis.chunks_completed;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Call as `ctx.emit(…)`: a prototype method, not a closure per run. */
  emit(event: EventInput): Promise<void> {
    return this.#appender.append(this.streamId, event);
  }
}
