import type { StreamStatus } from './events.js';

/** The body of `GET /api/stream/status/{id}` and each item of `GET /api/streams`. */
export interface StreamState {
  stream_id: string;
  task: string;
  status: StreamStatus;
  total_chunks: number;
  chunks_completed: number;
  current_agent: string | null;
  current_stage: string | null;
  error_message: string | null;
  estimated_time: number | null;
  estimated_cost: number | null;
  actual_cost: number | null;
  created_at: string;
  updated_at: string;
  /** The seq of the last stored event (0 before the first). */
  last_event_id: number;
  /** The final deliverable, once the run completed. */
  result: string | null;
  /**
   * Why the run is quiet, while it waits on something ("the first token from Coder", a provider retry);
   * null or absent while tokens flow. Heartbeats repeat it as `waiting`.
   */
  waiting_for?: string | null;
}

export const FINISHED_STATUSES: readonly StreamStatus[] = ['completed', 'error', 'cancelled'];
