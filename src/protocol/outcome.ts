import type { StreamStatus } from './events.js';

/**
 * How a run ended, in one word: the vocabulary every layer uses for a terminal event — the stream's status,
 * the CLI's exit code, and how the dashboard, the plain log and GitHub annotations show it.
 */
export type RunOutcome = 'completed' | 'failed' | 'cancelled';

/**
 * `task_error` codes that mean the run was stopped on purpose rather than failing: a client's cancel
 * (Ctrl-C, `corch cancel`, the web page, a watcher gone with `on_disconnect: cancel`) or the server shutting
 * down. Such a run is "cancelled" everywhere.
 */
export const CANCEL_CODES: readonly string[] = ['E_CANCELLED', 'E_SHUTDOWN'];

/** The outcome of a `task_error` with this code. */
export function errorOutcome(code: string): Exclude<RunOutcome, 'completed'> {
  return CANCEL_CODES.includes(code) ? 'cancelled' : 'failed';
}

/** The status a `task_error` with this code leaves the stream in. */
export function statusForErrorCode(code: string): StreamStatus {
  return errorOutcome(code) === 'cancelled' ? 'cancelled' : 'error';
}
