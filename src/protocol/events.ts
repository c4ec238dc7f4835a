/**
 * The nine events of the wire contract (DESIGN.md §1). Field names come from the original design so that
 * its clients keep working; fields corch adds come after them in each interface.
 */

/**
 * The pipeline roles, as they appear in `stage`. `judge` runs only after a consensus stage's candidates
 * (DESIGN §8). What each role does lives in the orchestrator's stage registry; these are the wire names.
 */
export type StageRole = 'architect' | 'coder' | 'reviewer' | 'refiner' | 'documenter' | 'judge';

export const STAGE_ROLES: readonly StageRole[] = ['architect', 'coder', 'reviewer', 'refiner', 'documenter', 'judge'];

/** Display names, as they appear in `agent`. */
export const AGENT_NAMES: Record<StageRole, string> = {
  architect: 'Architect',
  coder: 'Coder',
  reviewer: 'Reviewer',
  refiner: 'Refiner',
  documenter: 'Documenter',
  judge: 'Judge',
};

/** Stage-cache counters of a run, on `task_progress.cache`. */
export interface CacheTally {
  hits: number;
  misses: number;
  /** USD the hits would have cost; null when a hit's price was unknown. */
  saved_cost: number | null;
}

/**
 * Which candidate of a consensus stage an event belongs to: `candidate` is 1-based, `candidates` how many
 * run side by side. Absent on ordinary stages. A Judge's events carry `candidates` only.
 */
export interface CandidateFields {
  candidate?: number;
  candidates?: number;
}

export type StreamStatus = 'initializing' | 'running' | 'completed' | 'error' | 'cancelled';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

/** One planned chunk of work, as listed in `task_started.pipeline`. */
export interface PlannedStage {
  chunk_number: number;
  stage: StageRole;
  agent: string;
  description: string;
  model: string;
  /** Review/refine round (1-based) for reviewer and refiner chunks; 0 for the others. */
  iteration: number;
  /** For a candidate of a consensus stage: its number (1-based) and how many there are. */
  candidate?: number;
  candidates?: number;
}

/** Fields every stored payload carries. `seq` equals the SSE `id:`. */
export interface EventEnvelope {
  stream_id: string;
  seq: number;
  /** ISO 8601, UTC, with `Z`. */
  timestamp: string;
}

export interface TaskStartedData extends EventEnvelope {
  task: string;
  context: Record<string, unknown>;
  pipeline: PlannedStage[];
  /** Provider name (`openai`, `openrouter`, `ollama`, `anthropic`, `simulated`). */
  provider: string;
  model: string;
  /** True for the offline simulated provider: no model was called. */
  simulated: boolean;
  /** A human-readable note about the provider, e.g. "simulated — no model was called". */
  notice?: string;
}

export interface TaskProgressData extends EventEnvelope {
  total_chunks: number;
  /** Seconds, for the whole run (revised as stages finish). */
  estimated_time: number;
  /** USD for the whole run; null when a model's price is unknown (never guessed). */
  estimated_cost: number | null;
  chunks_completed: number;
  /** USD spent so far; null when a price is unknown. */
  actual_cost: number | null;
  /** Seconds since the run started. */
  elapsed: number;
  usage: Usage;
  /** Why this progress was sent: the initial plan, a finished chunk, or a refine round added. */
  reason?: 'plan' | 'chunk_completed' | 'round_added' | 'round_dropped';
  /** The stage cache's hits and misses in this run, and what the hits saved (absent with the cache off). */
  cache?: CacheTally;
}

export interface ChunkStartedData extends EventEnvelope, CandidateFields {
  chunk_number: number;
  agent: string;
  stage: StageRole;
  description: string;
  total_chunks: number;
  iteration: number;
  model: string;
  /** True when the answer is replayed from the stage cache: no model is called. */
  cache_hit?: boolean;
}

export interface TokenStreamData extends EventEnvelope, CandidateFields {
  /** Text delta; the concatenation of a chunk's deltas equals its `chunk_completed.output`. */
  tokens: string;
  agent: string;
  chunk_number: number;
  stage: StageRole;
}

export interface ChunkCompletedData extends EventEnvelope, CandidateFields {
  chunk_number: number;
  agent: string;
  output: string;
  stage: StageRole;
  usage: Usage;
  cost: number | null;
  duration_ms: number;
  iteration: number;
  /** True when the answer was replayed from the stage cache: `usage` and `cost` are then 0. */
  cache_hit?: boolean;
  /** A cache hit's original cost (USD, null when its price is unknown) and model time. */
  saved_cost?: number | null;
  saved_ms?: number;
  /** The Judge's pick (1-based candidate number) and its reason. */
  choice?: number;
  reason?: string;
  /** A candidate that failed while another carried the stage: what went wrong. Its output is what it wrote. */
  error?: { code: string; message: string };
}

/**
 * The original design's metrics, in 0..1 (defined in docs/metrics.md). `quality` and `harmony` are null
 * when the run did not measure them (no review score, no finished review).
 */
export interface OriginalMetrics {
  quality: number | null;
  efficiency: number;
  harmony: number | null;
  overall: number;
}

export interface RunMetrics extends Partial<OriginalMetrics> {
  total_chunks: number;
  chunks_completed: number;
  refine_rounds: number;
  input_tokens: number;
  output_tokens: number;
  /** Output tokens per second of model time. */
  tokens_per_second: number;
  duration_ms: number;
  cost: number | null;
  /** The final review's score, when the reviewer gave one. */
  code_quality_score?: number | null;
  /** Critical issues the final review still listed (an unreadable review counts as one); 0 = approved. */
  open_critical_issues?: number;
}

export interface TaskCompletedData extends EventEnvelope {
  /** The final deliverable: the final code. */
  result: string;
  metrics: RunMetrics;
  /** The latest output of each stage. */
  outputs: Partial<Record<StageRole, string>>;
  usage: Usage;
  cost: number | null;
  duration_ms: number;
}

export interface TaskErrorData extends EventEnvelope {
  error: string;
  details: string | Record<string, unknown> | null;
  code: string;
  stage: StageRole | null;
  retryable: boolean;
}

export interface SystemMessageData extends EventEnvelope {
  message: string;
  level: 'info' | 'warn' | 'error';
}

/** Live only: never stored and sent without an SSE `id:`. Its `seq` is the stream's last stored seq. */
export interface HeartbeatData extends EventEnvelope {
  status: StreamStatus;
  current_agent: string | null;
  idle_ms: number;
}

export interface EventDataMap {
  task_started: TaskStartedData;
  task_progress: TaskProgressData;
  chunk_started: ChunkStartedData;
  token_stream: TokenStreamData;
  chunk_completed: ChunkCompletedData;
  task_completed: TaskCompletedData;
  task_error: TaskErrorData;
  system_message: SystemMessageData;
  heartbeat: HeartbeatData;
}

export type EventName = keyof EventDataMap;
export type StoredEventName = Exclude<EventName, 'heartbeat'>;

export const EVENT_NAMES: readonly EventName[] = [
  'task_started',
  'task_progress',
  'chunk_started',
  'token_stream',
  'chunk_completed',
  'task_completed',
  'task_error',
  'system_message',
  'heartbeat',
];

export const TERMINAL_EVENTS: readonly StoredEventName[] = ['task_completed', 'task_error'];

/** A decoded event: the discriminated union over `event`. */
export type CorchEvent = { [K in EventName]: { event: K; data: EventDataMap[K] } }[EventName];

/** A stored (replayable) event. */
export type StoredEvent = Extract<CorchEvent, { event: StoredEventName }>;

/** What a run function emits: the envelope (`stream_id`, `seq`, `timestamp`) is filled in on append. */
export type EventInput = {
  [K in StoredEventName]: { event: K; data: Omit<EventDataMap[K], keyof EventEnvelope> };
}[StoredEventName];

export function isTerminalEvent(name: string): name is 'task_completed' | 'task_error' {
  return name === 'task_completed' || name === 'task_error';
}

export function isEventName(name: string): name is EventName {
  return (EVENT_NAMES as readonly string[]).includes(name);
}

/** For exhaustive `switch` statements over the event union. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
