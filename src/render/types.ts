import type { Clock } from '../streams/clock.js';
import type { ClientNotice } from '../client/index.js';
import type { CorchEvent } from '../protocol/index.js';

/** `--progress` after `auto` has been resolved (see {@link resolveProgressMode}). */
export type ProgressMode = 'tty' | 'plain' | 'json' | 'quiet';

/** A writable stream as renderers need it: `isTTY`, `columns` and `rows` exist only on terminals. */
export interface OutputStreamLike {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** Notices from the CLI itself, shown by every renderer like the client's. */
export type CliNotice =
  /** The first Ctrl-C: a cancel was sent and we wait for the server to confirm. */
  | { type: 'cancelling' }
  | { type: 'message'; level: 'info' | 'warn' | 'error'; message: string };

/** Anything a renderer shows besides events. */
export type RenderNotice = ClientNotice | CliNotice;

/** The outside world a renderer writes to. The CLI builds it from `process`; tests from buffers. */
export interface RendererDeps {
  /** The deliverable (tty/plain) or the NDJSON (json). */
  stdout: OutputStreamLike;
  /** Progress: the dashboard (tty), the log lines (plain), notices (json). */
  stderr: OutputStreamLike;
  env: Record<string, string | undefined>;
  /** Clock in ms since the epoch (default: `clock`'s, else `Date.now`). */
  now?: () => number;
  /** The timers of the dashboard's redraws (default: real time). */
  clock?: Clock;
  /** Terminal width; default `stderr.columns`, then 80. */
  columns?: () => number | undefined;
  /** Terminal height; default `stderr.rows`, then 24. */
  rows?: () => number | undefined;
}

/** How the run ended, as far as the CLI knows beyond the events. */
export interface FinishSummary {
  /** Where `--output` saved the deliverable; when set it is named instead of printing the result. */
  outputPath?: string;
  /** Where `--events` saved the log. */
  eventsPath?: string;
  /** The run did not reach a terminal event: e.g. "timed out after 60s" or a client error's message. */
  interrupted?: string;
}

/**
 * Draws a run. Feed it events and notices as they arrive; `finish` writes the final screen and summary;
 * `dispose` (idempotent, safe in signal handlers) stops timers and restores the cursor.
 */
export interface Renderer {
  readonly mode: ProgressMode;
  event(event: CorchEvent): void;
  notice(notice: RenderNotice): void;
  /** The terminal was resized (SIGWINCH): redraw at the new size. */
  resize(): void;
  finish(summary?: FinishSummary): Promise<void>;
  dispose(): void;
}
