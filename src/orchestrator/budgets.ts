import { CorchError } from '../protocol/errors.js';
import type { StageRole } from '../protocol/events.js';
import type { TaskRequest } from '../protocol/task-request.js';
import type { Clock } from '../streams/clock.js';
import type { ServerSettings } from './settings.js';

/** Whole-run time budget when neither the request nor config sets one. */
export const DEFAULT_MAX_SECONDS = 900;
/** Per-stage timeout when neither the request nor config sets one. */
export const DEFAULT_STAGE_SECONDS = 180;

/** The limits a run works within. */
export interface RunBudget {
  maxSeconds: number;
  stageSeconds: number;
  /** USD; null = no cost limit. */
  maxCost: number | null;
}

/** Request values win over config, config over defaults (each field on its own). */
export function resolveBudget(request: Pick<TaskRequest, 'budget'>, settings?: ServerSettings): RunBudget {
  const fromRequest = request.budget ?? {};
  const fromConfig = settings?.budget ?? {};
  return {
    maxSeconds: fromRequest.max_seconds ?? fromConfig.max_seconds ?? DEFAULT_MAX_SECONDS,
    stageSeconds: fromRequest.stage_seconds ?? fromConfig.stage_seconds ?? DEFAULT_STAGE_SECONDS,
    maxCost: fromRequest.max_cost ?? fromConfig.max_cost ?? null,
  };
}

/** A timer that aborts its signal with a reason when it fires; `cancel` stops it. */
export interface DeadlineTimer {
  readonly signal: AbortSignal;
  cancel(): void;
}

/**
 * Starts a timer on `clock` that aborts `signal` with `reason()` after `seconds`. Clock timers never keep
 * the process alive on their own, so a pending budget does not either.
 */
export function startDeadline(seconds: number, reason: () => CorchError, clock: Clock): DeadlineTimer {
  const controller = new AbortController();
  const handle = clock.setTimeout(() => controller.abort(reason()), Math.max(0, seconds * 1000));
  return { signal: controller.signal, cancel: () => clock.clearTimeout(handle) };
}

/** The whole-run time budget ran out while `stage` was running. */
export function timeBudgetError(stage: StageRole | null, maxSeconds: number): CorchError {
  return new CorchError(
    'E_TIME_BUDGET',
    `The run exceeded its time budget of ${maxSeconds} s${stage ? ` during the ${stage} stage` : ''}; ` +
      'raise budget.max_seconds (corch run --max-seconds) or the server budget.',
    { retryable: true, details: { stage, max_seconds: maxSeconds } },
  );
}

/** One stage ran longer than the per-stage timeout. */
export function stageTimeoutError(stage: StageRole, stageSeconds: number): CorchError {
  return new CorchError(
    'E_STAGE_TIMEOUT',
    `The ${stage} stage took longer than its ${stageSeconds} s timeout; ` +
      'raise budget.stage_seconds (or the server budget), or pick a faster model for this stage.',
    { retryable: true, details: { stage, stage_seconds: stageSeconds } },
  );
}

/** The money spent so far is over the cost budget, so the next stage is not started. */
export function costBudgetError(stage: StageRole, spent: number, maxCost: number): CorchError {
  return new CorchError(
    'E_COST_BUDGET',
    `The run spent ${formatBudgetUsd(spent, maxCost)}, over its cost budget of $${maxCost}, before the ${stage} stage; ` +
      'raise budget.max_cost (corch run --max-cost) or pick cheaper models.',
    // Retrying the same run would spend the same again: only a larger budget helps.
    { retryable: false, details: { stage, spent, max_cost: maxCost } },
  );
}

/**
 * `spent` in dollars with enough digits to differ from `budget` as printed: $0.0100 next to a budget of
 * $0.01 would read as "not over".
 */
export function formatBudgetUsd(spent: number, budget: number): string {
  for (let digits = 2; digits <= 8; digits++) {
    const text = spent.toFixed(digits);
    if (Number(text) !== budget) return `$${text}`;
  }
  return `$${spent}`;
}
