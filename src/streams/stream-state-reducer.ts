import { assertNever, type StoredEvent, type StreamStatus } from '../protocol/events.js';
import type { StreamState } from '../protocol/stream-state.js';

/** Codes of a `task_error` that mean the run was stopped on purpose rather than failing. */
const CANCEL_CODES: readonly string[] = ['E_CANCELLED', 'E_SHUTDOWN'];

/** The status a `task_error` with this code leaves the stream in. */
export function statusForErrorCode(code: string): StreamStatus {
  return CANCEL_CODES.includes(code) ? 'cancelled' : 'error';
}

/**
 * The fields of a stream's state that `event` changes. Pure, so the manager (which writes the state) and
 * each SSE connection (which tracks status and agent for its heartbeats) derive the same state from the log.
 */
export function stateChanges(state: StreamState, stored: StoredEvent): Partial<StreamState> {
  const base: Partial<StreamState> = { last_event_id: stored.data.seq, updated_at: stored.data.timestamp };
  switch (stored.event) {
    case 'task_started':
      return { ...base, status: 'running' };
    case 'task_progress': {
      const data = stored.data;
      return {
        ...base,
        status: runningUnlessFinished(state.status),
        total_chunks: data.total_chunks,
        chunks_completed: data.chunks_completed,
        estimated_time: data.estimated_time,
        estimated_cost: data.estimated_cost,
        actual_cost: data.actual_cost,
      };
    }
    case 'chunk_started':
      return {
        ...base,
        status: runningUnlessFinished(state.status),
        current_agent: stored.data.agent,
        current_stage: stored.data.stage,
        total_chunks: Math.max(state.total_chunks, stored.data.total_chunks ?? 0),
      };
    case 'chunk_completed':
      // Costs are left to task_progress, which carries the authoritative running total.
      return { ...base, chunks_completed: state.chunks_completed + 1 };
    case 'task_completed':
      return {
        ...base,
        status: 'completed',
        result: stored.data.result,
        actual_cost: stored.data.cost,
        chunks_completed: stored.data.metrics?.chunks_completed ?? state.chunks_completed,
        current_agent: null,
        current_stage: null,
      };
    case 'task_error':
      return {
        ...base,
        status: statusForErrorCode(stored.data.code),
        error_message: stored.data.error,
        current_agent: null,
        current_stage: null,
      };
    case 'token_stream':
    case 'system_message':
      return base;
    default:
      return assertNever(stored);
  }
}

/** Applies {@link stateChanges}; returns a new object. */
export function reduceStreamState(state: StreamState, stored: StoredEvent): StreamState {
  return { ...state, ...stateChanges(state, stored) };
}

function runningUnlessFinished(status: StreamStatus): StreamStatus {
  return status === 'initializing' ? 'running' : status;
}
