import type { StageRole } from './events.js';

/** Per-role overrides, as in `{"coder": {"model": "gpt-4o", "temperature": 0.2, "max_tokens": 4000}}`. */
export interface StageOptions {
  model?: string;
  temperature?: number;
  max_tokens?: number;
  /**
   * Runs the stage as a consensus stage (DESIGN §8): a number of candidates on the stage's model, or one
   * candidate per model named (`provider:model` picks the provider). A Judge picks one of them.
   */
  candidates?: number | string[];
}

export interface TaskBudget {
  /** Whole-run time budget in seconds (default 900). */
  max_seconds?: number;
  /** Cost budget in USD (default none). */
  max_cost?: number;
  /** Per-stage timeout in seconds (default 180). */
  stage_seconds?: number;
}

/** The body of `POST /api/stream/task`. Keys for providers are never sent: the server holds them. */
export interface TaskRequest {
  task: string;
  context?: Record<string, unknown>;
  provider?: string;
  model?: string;
  stages?: Partial<Record<StageRole, StageOptions>>;
  provider_options?: Record<string, unknown>;
  budget?: TaskBudget;
  /** `false` runs without the stage cache (no lookups, no writes). */
  cache?: boolean;
}

/** Top-level keys a task request may carry; any other key is answered with 400. */
export const TASK_REQUEST_KEYS = ['task', 'context', 'provider', 'model', 'stages', 'provider_options', 'budget', 'cache'] as const;

/** The body of the `201` answer to `POST /api/stream/task`. */
export interface CreatedStream {
  stream_id: string;
  task: string;
  status: string;
  created_at: string;
  events_url: string;
  status_url: string;
}
