import { assertNever, type StoredEvent, type StreamStatus } from '../protocol/events.js';
import { statusForErrorCode } from '../protocol/outcome.js';
import type { StreamState } from '../protocol/stream-state.js';

/** The fields of a state that {@link stateChanges} reads: what the writer of a stream keeps between events. */
export type StateBasis = Pick<StreamState, 'status' | 'total_chunks' | 'chunks_completed'>;

/**
 * The fields of a stream's state that `event` changes, as one new object (it runs once per event, so it
 * builds no intermediate objects). Pure: the state of a stream is a fold of its log.
 */
export function stateChanges(state: StateBasis, stored: StoredEvent): Partial<StreamState> {
  const last_event_id = stored.data.seq;
  const updated_at = stored.data.timestamp;
  switch (stored.event) {
    case 'task_started':
      return { last_event_id, updated_at, status: 'running' };
    case 'task_progress': {
      const data = stored.data;
      return {
        last_event_id,
        updated_at,
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
        last_event_id,
        updated_at,
        status: runningUnlessFinished(state.status),
        current_agent: stored.data.agent,
        current_stage: stored.data.stage,
        total_chunks: Math.max(state.total_chunks, stored.data.total_chunks ?? 0),
      };
    case 'chunk_completed':
      // Costs are left to task_progress, which carries the authoritative running total.
      return { last_event_id, updated_at, chunks_completed: state.chunks_completed + 1 };
    case 'task_completed':
      return {
        last_event_id,
        updated_at,
        status: 'completed',
        result: stored.data.result,
        actual_cost: stored.data.cost,
        chunks_completed: stored.data.metrics?.chunks_completed ?? state.chunks_completed,
        current_agent: null,
        current_stage: null,
      };
    case 'task_error':
      return {
        last_event_id,
        updated_at,
        status: statusForErrorCode(stored.data.code),
        error_message: stored.data.error,
        current_agent: null,
        current_stage: null,
      };
    case 'token_stream':
    case 'system_message':
      return { last_event_id, updated_at };
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
