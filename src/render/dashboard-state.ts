import type {
  CorchEvent,
  StageRole,
  TaskCompletedData,
  TaskProgressData,
  TaskStartedData,
  TokenStreamData,
  Usage,
} from '../protocol/index.js';
import { assertNever, errorOutcome } from '../protocol/index.js';
import { noticeText } from './notice-text.js';
import type { RenderNotice } from './types.js';

/**
 * How much of the working agent's text the state keeps (up to {@link LIVE_TEXT_SLACK_CHARS} more between cuts):
 * more than any terminal shows, bounded memory.
 */
export const LIVE_TEXT_MAX_CHARS = 16_000;
/** How far the live text may grow past {@link LIVE_TEXT_MAX_CHARS} before it is cut back to it. */
const LIVE_TEXT_SLACK_CHARS = 4_000;
/** Messages (system messages, warnings) kept for the header. */
const MAX_MESSAGES = 3;
/** Warnings and errors kept for the final screen, which lists every one of them in full. */
const MAX_WARNINGS = 20;

export type StageStatus = 'waiting' | 'working' | 'done' | 'failed' | 'skipped';

/** One chunk of the pipeline: planned by `task_started`, or added when a refine round starts. */
export interface StageRow {
  chunk: number;
  stage: StageRole;
  agent: string;
  description: string;
  model: string;
  /** Review/refine round (1-based) for reviewer and refiner; 0 for the others. */
  iteration: number;
  status: StageStatus;
  startedAtMs: number | null;
  durationMs: number | null;
  usage: Usage | null;
  cost: number | null;
  /** `token_stream` deltas received for this chunk (a live stand-in for output tokens). */
  deltas: number;
  /** For a candidate of a consensus stage: its number (1-based) and how many run side by side. */
  candidate?: number;
  candidates?: number;
  /** Replayed from the stage cache, and what that saved. */
  cacheHit?: boolean;
  savedCost?: number | null;
  /** A Judge's pick (candidate number); on a candidate row: whether the Judge picked it. */
  choice?: number;
  picked?: boolean;
  /** A candidate that failed while the others carried the stage: what went wrong. */
  error?: string;
}

/** The live text of one working (or just finished) chunk; a consensus stage has one per candidate. */
export interface LivePane {
  chunk: number;
  agent: string;
  iteration: number;
  candidate?: number;
  candidates?: number;
  text: string;
}

export interface StatusLine {
  level: 'info' | 'warn' | 'error';
  text: string;
}

/** Everything the screens show, reduced from events and notices only: no clock, no terminal. */
export interface DashboardState {
  phase: 'connecting' | 'waiting' | 'running' | 'completed' | 'failed' | 'cancelled';
  streamId: string | null;
  task: string | null;
  provider: string | null;
  model: string | null;
  simulated: boolean;
  providerNotice: string | null;
  /** From event timestamps (server clock). */
  startedAtMs: number | null;
  endedAtMs: number | null;
  durationMs: number | null;
  totalChunks: number;
  chunksCompleted: number;
  estimatedTimeS: number | null;
  estimatedCost: number | null;
  actualCost: number | null;
  /** Usage of finished chunks. */
  usage: Usage;
  rows: StageRow[];
  /** The chunks being worked on: one, or every candidate of a consensus stage. */
  working: number[];
  /** The tail of the latest agent's streamed text; kept after its chunk ends until the next one starts. */
  panes: LivePane[];
  /** The latest output of each stage, from `chunk_completed` (or `task_completed.outputs`). */
  outputs: Partial<Record<StageRole, string>>;
  connection: StatusLine | null;
  messages: StatusLine[];
  /** Every warning and error message of the run (bounded), for the final screen. */
  warnings: StatusLine[];
  cancelling: boolean;
  error: { code: string; message: string; stage: StageRole | null } | null;
  completed: TaskCompletedData | null;
  lastSeq: number;
  reconnects: number;
  lost: number;
  /** The first token (or the end) has arrived: the tty renderer swaps its spinner for the dashboard. */
  firstOutputSeen: boolean;
}

/** What {@link reduceDashboard} accepts: an event, or a client/CLI notice. */
export type DashboardInput = CorchEvent | RenderNotice;

export function initialDashboardState(): DashboardState {
  return {
    phase: 'connecting',
    streamId: null,
    task: null,
    provider: null,
    model: null,
    simulated: false,
    providerNotice: null,
    startedAtMs: null,
    endedAtMs: null,
    durationMs: null,
    totalChunks: 0,
    chunksCompleted: 0,
    estimatedTimeS: null,
    estimatedCost: null,
    actualCost: null,
    usage: { input_tokens: 0, output_tokens: 0 },
    rows: [],
    working: [],
    panes: [],
    outputs: {},
    connection: null,
    messages: [],
    warnings: [],
    cancelling: false,
    error: null,
    completed: null,
    lastSeq: 0,
    reconnects: 0,
    lost: 0,
    firstOutputSeen: false,
  };
}

function parseTime(timestamp: string): number | null {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? null : ms;
}

function isFinished(state: DashboardState): boolean {
  return state.phase === 'completed' || state.phase === 'failed' || state.phase === 'cancelled';
}

function pushMessage(state: DashboardState, line: StatusLine): DashboardState {
  const warnings = line.level === 'info' ? state.warnings : [...state.warnings, line].slice(-MAX_WARNINGS);
  return { ...state, messages: [...state.messages, line].slice(-MAX_MESSAGES), warnings };
}

function updateRow(rows: StageRow[], chunk: number, patch: (row: StageRow) => StageRow): StageRow[] {
  return rows.map((row) => (row.chunk === chunk ? patch(row) : row));
}

function fromStarted(data: TaskStartedData, state: DashboardState): DashboardState {
  const startedAtMs = parseTime(data.timestamp);
  // A replayed start after a reconnect must not wipe rows that already advanced.
  const rows =
    state.rows.length > 0
      ? state.rows
      : data.pipeline.map<StageRow>((planned) => ({
          chunk: planned.chunk_number,
          stage: planned.stage,
          agent: planned.agent,
          description: planned.description,
          model: planned.model,
          iteration: planned.iteration,
          status: 'waiting',
          startedAtMs: null,
          durationMs: null,
          usage: null,
          cost: null,
          deltas: 0,
        }));
  return {
    ...state,
    phase: isFinished(state) ? state.phase : 'running',
    streamId: data.stream_id,
    task: data.task,
    provider: data.provider,
    model: data.model,
    simulated: data.simulated === true,
    providerNotice: data.notice ?? null,
    startedAtMs,
    totalChunks: Math.max(state.totalChunks, data.pipeline.length),
    rows,
  };
}

function fromProgress(data: TaskProgressData, state: DashboardState): DashboardState {
  return {
    ...state,
    totalChunks: data.total_chunks,
    chunksCompleted: Math.max(state.chunksCompleted, data.chunks_completed),
    estimatedTimeS: data.estimated_time,
    estimatedCost: data.estimated_cost,
    actualCost: data.actual_cost,
  };
}

/** A pane for `d`'s chunk: beside the current panes when all are candidates of the same group, else alone. */
function openPane(panes: readonly LivePane[], d: LivePane): LivePane[] {
  const group = (p: LivePane) => `${p.agent}|${p.iteration}|${p.candidates}`;
  const sameGroup = d.candidate !== undefined && panes.length > 0 && panes.every((p) => p.candidate !== undefined && group(p) === group(d));
  if (!sameGroup) return [d];
  return [...panes.filter((p) => p.chunk !== d.chunk), d].sort((a, b) => (a.candidate ?? 0) - (b.candidate ?? 0));
}

function reduceTokens(state: DashboardState, d: TokenStreamData): DashboardState {
  let panes = state.panes;
  let index = panes.length === 1 && panes[0]!.chunk === d.chunk_number ? 0 : panes.findIndex((p) => p.chunk === d.chunk_number);
  if (index < 0) {
    // Joined mid-chunk (a reconnect): its pane starts with the text that arrives from here.
    panes = openPane(panes, {
      chunk: d.chunk_number,
      agent: d.agent,
      iteration: 0,
      text: '',
      ...(d.candidate === undefined ? {} : { candidate: d.candidate, candidates: d.candidates ?? 1 }),
    });
    index = panes.findIndex((p) => p.chunk === d.chunk_number);
  }
  const pane = panes[index]!;
  // Trimmed in steps rather than per token: slicing a 16 000-character string copies it, on every event.
  const joined = pane.text + d.tokens;
  const text = joined.length > LIVE_TEXT_MAX_CHARS + LIVE_TEXT_SLACK_CHARS ? joined.slice(-LIVE_TEXT_MAX_CHARS) : joined;
  const nextPanes = panes.length === 1 ? [{ ...pane, text }] : panes.map((p, i) => (i === index ? { ...p, text } : p));
  return {
    ...state,
    lastSeq: Math.max(state.lastSeq, d.seq),
    streamId: state.streamId ?? d.stream_id,
    firstOutputSeen: true,
    panes: nextPanes,
    rows: updateRow(state.rows, d.chunk_number, (row) => ({ ...row, deltas: row.deltas + 1 })),
  };
}

function reduceEvent(state: DashboardState, event: CorchEvent): DashboardState {
  // The most frequent event by far: one copy of the state instead of two.
  if (event.event === 'token_stream') return reduceTokens(state, event.data);
  const seq = event.event === 'heartbeat' ? state.lastSeq : Math.max(state.lastSeq, event.data.seq);
  const next: DashboardState = { ...state, lastSeq: seq, streamId: state.streamId ?? event.data.stream_id };
  switch (event.event) {
    case 'task_started':
      return fromStarted(event.data, next);
    case 'task_progress':
      return fromProgress(event.data, next);
    case 'chunk_started': {
      const d = event.data;
      const started: StageRow = {
        chunk: d.chunk_number,
        stage: d.stage,
        agent: d.agent,
        description: d.description,
        model: d.model,
        iteration: d.iteration,
        status: 'working',
        startedAtMs: parseTime(d.timestamp),
        durationMs: null,
        usage: null,
        cost: null,
        deltas: 0,
        ...(d.candidate === undefined ? {} : { candidate: d.candidate }),
        ...(d.candidates === undefined ? {} : { candidates: d.candidates }),
        ...(d.cache_hit ? { cacheHit: true } : {}),
      };
      const exists = next.rows.some((row) => row.chunk === d.chunk_number);
      const rows = exists
        ? updateRow(next.rows, d.chunk_number, () => started)
        : [...next.rows, started].sort((a, b) => a.chunk - b.chunk);
      return {
        ...next,
        phase: isFinished(next) ? next.phase : 'running',
        rows,
        working: [...next.working.filter((n) => n !== d.chunk_number), d.chunk_number].sort((a, b) => a - b),
        totalChunks: Math.max(next.totalChunks, d.total_chunks, rows.length),
        panes: openPane(next.panes, {
          chunk: d.chunk_number,
          agent: d.agent,
          iteration: d.iteration,
          text: '',
          ...(d.candidate === undefined ? {} : { candidate: d.candidate, candidates: d.candidates ?? 1 }),
        }),
        // A status line about the connection is stale once work visibly moves on.
        connection: next.connection?.level === 'error' ? next.connection : null,
      };
    }
    case 'chunk_completed': {
      const d = event.data;
      let rows = updateRow(next.rows, d.chunk_number, (row) => ({
        ...row,
        status: d.error ? 'failed' : 'done',
        durationMs: d.duration_ms,
        usage: d.usage,
        cost: d.cost,
        ...(d.cache_hit ? { cacheHit: true, savedCost: d.saved_cost ?? null } : {}),
        ...(d.choice === undefined ? {} : { choice: d.choice }),
        ...(d.error ? { error: d.error.message } : {}),
      }));
      // The Judge's pick: the candidate rows just before it, of the same round.
      if (d.choice !== undefined && d.candidates !== undefined) {
        const first = d.chunk_number - d.candidates;
        rows = rows.map((row) =>
          row.chunk >= first && row.chunk < d.chunk_number && row.candidate !== undefined ? { ...row, picked: row.candidate === d.choice } : row,
        );
      }
      return {
        ...next,
        rows,
        working: next.working.filter((n) => n !== d.chunk_number),
        chunksCompleted: Math.max(next.chunksCompleted, rows.filter((r) => r.status === 'done' || r.error !== undefined).length),
        usage: {
          input_tokens: next.usage.input_tokens + d.usage.input_tokens,
          output_tokens: next.usage.output_tokens + d.usage.output_tokens,
        },
        // A candidate's output is the stage's only once the Judge picks it; task_completed has the final ones.
        outputs: d.candidate === undefined && d.stage !== 'judge' ? { ...next.outputs, [d.stage]: d.output } : next.outputs,
      };
    }
    case 'task_completed': {
      const d = event.data;
      return {
        ...next,
        phase: 'completed',
        firstOutputSeen: true,
        working: [],
        // Planned rounds that were not needed (the review approved early) did not run.
        rows: next.rows.map((row) => (row.status === 'waiting' || row.status === 'working' ? { ...row, status: 'skipped' } : row)),
        endedAtMs: parseTime(d.timestamp),
        durationMs: d.duration_ms,
        chunksCompleted: d.metrics.chunks_completed,
        totalChunks: d.metrics.chunks_completed,
        actualCost: d.cost,
        usage: d.usage,
        outputs: { ...next.outputs, ...d.outputs },
        completed: d,
        cancelling: false,
        connection: null,
      };
    }
    case 'task_error': {
      const d = event.data;
      const failedChunk = next.working[0] ?? next.rows.find((row) => row.stage === d.stage && row.status !== 'done')?.chunk;
      const ended = parseTime(d.timestamp);
      return {
        ...next,
        phase: errorOutcome(d.code),
        firstOutputSeen: true,
        working: [],
        rows: next.rows.map((row) => {
          if (row.chunk === failedChunk) {
            const durationMs = row.startedAtMs !== null && ended !== null ? Math.max(0, ended - row.startedAtMs) : null;
            return { ...row, status: 'failed', durationMs };
          }
          return row.status === 'working' ? { ...row, status: 'failed' } : row;
        }),
        endedAtMs: ended,
        durationMs: next.startedAtMs !== null && ended !== null ? Math.max(0, ended - next.startedAtMs) : null,
        error: { code: d.code, message: d.error, stage: d.stage },
        cancelling: false,
        connection: null,
      };
    }
    case 'system_message':
      return pushMessage(next, { level: event.data.level, text: event.data.message });
    case 'heartbeat':
      return next;
    default:
      return assertNever(event);
  }
}

function reduceNotice(state: DashboardState, notice: RenderNotice): DashboardState {
  const line = noticeText(notice);
  switch (notice.type) {
    case 'connecting':
    case 'reconnecting':
    case 'gave_up':
      return { ...state, connection: line };
    case 'connected': {
      const next: DashboardState = {
        ...state,
        phase: state.phase === 'connecting' ? 'waiting' : state.phase,
        connection: null,
        lost: state.lost + notice.lost,
      };
      return line ? pushMessage(next, line) : next;
    }
    case 'reconnected':
      return { ...state, reconnects: state.reconnects + 1, lost: state.lost + notice.lost, connection: line };
    case 'cancelling':
      return { ...state, cancelling: true };
    case 'invalid_frame':
    case 'message':
      return line ? pushMessage(state, line) : state;
    default:
      return assertNever(notice);
  }
}

/** The dashboard's reducer: pure, total over every event and notice. */
export function reduceDashboard(state: DashboardState, input: DashboardInput): DashboardState {
  return 'event' in input ? reduceEvent(state, input) : reduceNotice(state, input);
}
