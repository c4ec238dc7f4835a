import type { CorchClient, StreamTransport, TerminalEvent } from '../client/index.js';
import type { CorchEvent } from '../protocol/events.js';
import { FINISHED_STATUSES } from '../protocol/stream-state.js';
import type { ProgressMode, Renderer } from '../render/index.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { exitCodeFor } from './report-error.js';

/** After the first Ctrl-C (or --timeout), how long to wait for the server's E_CANCELLED confirmation. */
export const CANCEL_GRACE_MS = 3_000;

export interface FollowOptions {
  client: CorchClient;
  streamId: string;
  renderer: Renderer;
  io: CliIo;
  /**
   * `run` owns its run: Ctrl-C, SIGTERM, SIGHUP and `--timeout` cancel it on the server. `attach` only
   * watches (like `gh run watch`, `kubectl logs -f`): they stop watching and leave the run alone.
   */
  owner: boolean;
  /** The server is the embedded one: its address (a random local port) is nothing to show. */
  embedded?: boolean;
  /** First seq to show (default 1: the whole stream). */
  fromSeq?: number;
  /** `--timeout`: its value in seconds (for messages) and the moment it runs out (epoch ms). */
  timeout?: Timeout;
  /** Called for every event, after the renderer (the `--events` log). */
  onEvent?: (event: CorchEvent) => void;
  /** The server-side batch window to ask for (see {@link streamBatchMs}); 0 or unset: none. */
  batchMs?: number;
  /** `ws`: read the stream over the WebSocket route (`attach --transport ws`); SSE otherwise. */
  transport?: StreamTransport;
}

/**
 * How long the server may gather events before writing them to a terminal view (`batch_ms`). A person
 * cannot tell 50 ms apart (the dashboard redraws every 80 ms anyway), while one socket read and one
 * render pass per 50 ms instead of one per token is most of the CLI's CPU on a fast stream.
 */
export const VIEW_BATCH_MS = 50;

/**
 * The batch window for a progress mode: {@link VIEW_BATCH_MS} for the dashboard and plain lines, none for
 * `json`, whose reader is a program that may care about each event's timing.
 */
export function streamBatchMs(mode: ProgressMode): number {
  return mode === 'json' ? 0 : VIEW_BATCH_MS;
}

/** A `--timeout` that started counting when the command did. */
export interface Timeout {
  seconds: number;
  deadline: number;
}

/** Starts the `--timeout` clock (or none). */
export function startTimeout(seconds: number | undefined): Timeout | undefined {
  return seconds === undefined ? undefined : { seconds, deadline: Date.now() + seconds * 1000 };
}

export interface FollowOutcome {
  code: ExitCode;
  terminal: TerminalEvent | null;
  /** Why the follow ended without a terminal event (timeout, Ctrl-C), for the final summary. */
  interrupted?: string;
  /** The second Ctrl-C: the user wants out now, so skip the final screen and any cleanup that can wait. */
  abandoned: boolean;
  /** A client failure (server gone for good, 401): the caller reports it after restoring the screen. */
  error?: unknown;
}

/**
 * Follows a stream into a renderer until it ends, handling signals, `--timeout` and SIGWINCH. For the run's
 * owner, the first Ctrl-C (or SIGTERM, SIGHUP, the timeout) cancels on the server and waits up to
 * {@link CANCEL_GRACE_MS} for the confirmation, and a second gives up at once; a watcher just stops
 * watching. Never throws: every way out is an outcome, so the caller can always restore the terminal.
 */
export async function followStream(options: FollowOptions): Promise<FollowOutcome> {
  const { client, streamId, renderer, io } = options;
  const subscription = new AbortController();
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const unsubscribe: Array<() => void> = [];
  let terminal: TerminalEvent | null = null;
  let interrupts = 0;

  let settle!: (outcome: FollowOutcome) => void;
  const settled = new Promise<FollowOutcome>((resolve) => {
    settle = resolve;
  });
  /** A decision made by us (Ctrl-C, timeout) rather than by the stream; the first one wins. */
  let forced: { code: ExitCode; interrupted: string } | undefined;

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(fn, ms);
    timer.unref?.();
    timers.push(timer);
  };

  /** Cancel on the server, then wait for the terminal event to arrive through the subscription. */
  const cancelAndWait = (code: ExitCode, interrupted: string): void => {
    forced ??= { code, interrupted };
    client.cancel(streamId).catch((error: unknown) => {
      renderer.notice({ type: 'message', level: 'warn', message: `could not cancel on the server: ${messageOf(error)}` });
    });
    later(CANCEL_GRACE_MS, () => {
      renderer.notice({ type: 'message', level: 'warn', message: 'no confirmation from the server; exiting anyway' });
      subscription.abort();
      settle({ code, terminal, interrupted, abandoned: false });
    });
  };

  /** A watcher leaves; the run goes on. */
  const stopWatching = (code: ExitCode, interrupted: string): void => {
    renderer.notice({
      type: 'message',
      level: 'info',
      message: `stopped watching; the run goes on (corch attach ${streamId} to watch again, corch cancel ${streamId} to cancel it)`,
    });
    subscription.abort();
    settle({ code, terminal, interrupted, abandoned: false });
  };

  const onInterrupt = (signal: string) => (): void => {
    interrupts += 1;
    const by = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    if (!options.owner) stopWatching(EXIT.INTERRUPTED, `stopped watching (${by})`);
    else if (interrupts === 1) {
      renderer.notice({ type: 'cancelling' });
      cancelAndWait(EXIT.CANCELLED, `cancelled (${by})`);
    } else {
      subscription.abort();
      settle({ code: EXIT.CANCELLED, terminal, interrupted: `cancelled (${by} twice)`, abandoned: true });
    }
  };
  // SIGHUP: a closed terminal or a dropped ssh session; the command that owns the run cancels it like Ctrl-C.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) unsubscribe.push(io.onSignal(signal, onInterrupt(signal)));
  unsubscribe.push(io.onSignal('SIGWINCH', () => renderer.resize()));

  if (options.timeout !== undefined) {
    const { seconds, deadline } = options.timeout;
    later(Math.max(0, deadline - Date.now()), () => {
      if (terminal || interrupts > 0) return;
      if (!options.owner) {
        stopWatching(EXIT.TIMEOUT, `stopped watching after ${seconds}s (--timeout)`);
        return;
      }
      renderer.notice({ type: 'message', level: 'warn', message: `--timeout: ${seconds}s elapsed; cancelling the run` });
      cancelAndWait(EXIT.TIMEOUT, `timed out after ${seconds}s`);
    });
  }

  client
    .subscribe(streamId, {
      ...(options.fromSeq !== undefined ? { fromSeq: options.fromSeq } : {}),
      ...(options.batchMs ? { batchMs: options.batchMs } : {}),
      ...(options.transport ? { transport: options.transport } : {}),
      signal: subscription.signal,
      onEvent: (event) => {
        if (event.event === 'task_completed' || event.event === 'task_error') terminal = event as TerminalEvent;
        renderer.event(event);
        options.onEvent?.(event);
      },
      onNotice: (notice) => {
        if (notice.type === 'connecting' && options.embedded) return;
        renderer.notice(notice);
      },
    })
    .then(async (result) => {
      terminal = result.terminal ?? terminal;
      // A run that completed before the cancel landed did complete: say so honestly.
      if (forced && terminal?.event !== 'task_completed') {
        settle({ code: forced.code, terminal, interrupted: forced.interrupted, abandoned: false });
        return;
      }
      settle({ code: terminal ? codeOf(terminal) : await codeFromStatus(client, streamId), terminal, abandoned: false });
    })
    .catch((error: unknown) => {
      if (subscription.signal.aborted) return;
      settle({ code: exitCodeFor(errorCode(error)), terminal, abandoned: false, error });
    });

  try {
    return await settled;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const off of unsubscribe) off();
    subscription.abort();
  }
}

/** Exit code for how the stream ended. */
export function codeOf(terminal: TerminalEvent): ExitCode {
  return terminal.event === 'task_completed' ? EXIT.OK : exitCodeFor(terminal.data.code);
}

/** A 204 (the stream had already ended before we asked): the state says how. */
async function codeFromStatus(client: CorchClient, streamId: string): Promise<ExitCode> {
  try {
    const state = await client.status(streamId);
    if (state.status === 'completed') return EXIT.OK;
    if (state.status === 'cancelled') return EXIT.CANCELLED;
    return FINISHED_STATUSES.includes(state.status) ? EXIT.RUN_FAILED : EXIT.OK;
  } catch {
    return EXIT.RUN_FAILED;
  }
}

function errorCode(error: unknown): string {
  return error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
