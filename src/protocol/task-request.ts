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

/**
 * What happens to a run once nobody watches it (DESIGN §1): `continue` (the default) runs it to the end as
 * a background job; `cancel` cancels it with `E_CANCELLED` after the server's grace period without a subscriber.
 */
export type OnDisconnect = 'continue' | 'cancel';

/** Every {@link OnDisconnect} policy; the first is the default. */
export const ON_DISCONNECT_POLICIES: readonly OnDisconnect[] = ['continue', 'cancel'];

/** The body of `POST /api/stream/task`. Keys for providers are never sent: the server holds them. */
export interface TaskRequest {
  task: string;
  context?: Record<string, unknown>;
  /** One of `PROVIDER_NAMES` once validated (kept a string so tests can hand a runner any name). */
  provider?: string;
  model?: string;
  stages?: Partial<Record<StageRole, StageOptions>>;
  provider_options?: Record<string, unknown>;
  budget?: TaskBudget;
  /** Absent means `continue`. */
  on_disconnect?: OnDisconnect;
  /** `false` runs without the stage cache (no lookups, no writes). */
  cache?: boolean;
}

/**
 * Top-level keys a task request may carry; any other key is answered with 400. `stream` is the original
 * design's field: accepted (a boolean) and ignored, since every run streams, so it is not in {@link TaskRequest}.
 */
export const TASK_REQUEST_KEYS = [
  'task',
  'context',
  'provider',
  'model',
  'stages',
  'provider_options',
  'budget',
  'stream',
  'on_disconnect',
  'cache',
] as const;

/** Keys of one `stages.<role>` object. */
export const STAGE_OPTION_KEYS = ['model', 'temperature', 'max_tokens', 'candidates'] as const;
/**
 * The roles `stages.<role>.candidates` may run as consensus stages. Not the Reviewer (a review steers the
 * refine loop; several reviews would need merging, not a pick) nor the Judge itself.
 */
export const CONSENSUS_ROLES: readonly StageRole[] = ['architect', 'coder', 'refiner', 'documenter'];
/** Most candidates one consensus stage runs: each is a full model call, all in flight at once. */
export const MAX_CANDIDATES = 8;
/** Keys of `budget`. */
export const BUDGET_KEYS = ['max_seconds', 'max_cost', 'stage_seconds'] as const;

/** Highest `temperature` any supported provider accepts. */
export const MAX_TEMPERATURE = 2;
/** A sanity cap on `max_tokens`; no current model writes more in one answer. */
export const MAX_OUTPUT_TOKENS = 1_000_000;
/**
 * Deepest nesting of `context` and `provider_options` (the object itself is level 1). Deeper values are
 * refused at the door: the prompts and the log serialise them recursively, and 10,000 levels overflow the stack.
 */
export const MAX_CONTEXT_DEPTH = 32;
/** Largest `context`, in bytes of its JSON: every stage's prompt carries it, so it must stay prompt-sized. */
export const MAX_CONTEXT_BYTES = 256 * 1024;

/** The body of the `201` answer to `POST /api/stream/task`. */
export interface CreatedStream {
  stream_id: string;
  task: string;
  status: string;
  created_at: string;
  events_url: string;
  status_url: string;
}
