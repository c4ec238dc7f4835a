import { type EventInput, STAGE_ROLES, type StageRole } from '../protocol/events.js';
import { isCorchError } from '../protocol/errors.js';

/**
 * The `task_error` that ends a stream because of `error`: a CorchError keeps its code, details, stage and
 * retryable flag; anything else becomes `E_RUN_FAILED` with its message.
 */
export function taskErrorFor(error: unknown): Extract<EventInput, { event: 'task_error' }> {
  if (isCorchError(error)) {
    return {
      event: 'task_error',
      data: {
        error: error.message,
        details: error.details,
        code: error.code,
        stage: stageFrom(error.details),
        retryable: error.retryable,
      },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    event: 'task_error',
    data: {
      error: message === '' ? 'the run failed' : message,
      details: null,
      code: 'E_RUN_FAILED',
      stage: null,
      retryable: false,
    },
  };
}

/** Runners report the failing stage as `details.stage`. */
function stageFrom(details: unknown): StageRole | null {
  if (details === null || typeof details !== 'object') return null;
  const stage = (details as Record<string, unknown>).stage;
  return typeof stage === 'string' && (STAGE_ROLES as readonly string[]).includes(stage) ? (stage as StageRole) : null;
}
