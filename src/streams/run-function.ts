import type { ChunkCompletedData, EventInput } from '../protocol/events.js';
import type { TaskRequest } from '../protocol/task-request.js';

/** What the StreamManager hands to the code that executes a run. */
export interface RunContext {
  readonly streamId: string;
  /** The request as validated by the server (and by `Runner.prepare`, when given). */
  readonly request: TaskRequest;
  /**
   * Aborted when the run is cancelled (by a client, a budget or server shutdown). The run must stop its
   * provider requests at once. `signal.reason` is a CorchError saying why.
   */
  readonly signal: AbortSignal;
  /**
   * Appends an event to the stream's log and resolves once it is stored. After the stream has ended
   * (for example it was cancelled), emits are ignored and resolve without storing anything.
   */
  emit(event: EventInput): Promise<void>;
  /**
   * Set when this run continues one that another server started and stopped answering (DESIGN §5): the
   * log already holds its `task_started` and the stages it completed, and the run goes on after them.
   */
  readonly resume?: ResumePoint | undefined;
}

/** Where a taken-over run continues from: what its log says was done. */
export interface ResumePoint {
  /** The `chunk_completed` data of every stage completed before, in log order (the stage outputs). */
  readonly completed: readonly ChunkCompletedData[];
}

/**
 * The code that executes a run, injected into the server. `run` emits `task_started` … and ends with
 * `task_completed`; if it throws (or returns without a terminal event), the StreamManager appends a
 * `task_error` built from the error (a CorchError keeps its code, stage details and retryable flag).
 */
export interface Runner {
  /**
   * Optional check before a stream is created (e.g. an unknown provider name or stage); throwing a
   * CorchError with code `E_INVALID_REQUEST` answers the POST with 400 and creates nothing.
   */
  prepare?(request: TaskRequest): Promise<void>;
  run(ctx: RunContext): Promise<void>;
}
