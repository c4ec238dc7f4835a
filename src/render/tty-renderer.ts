import { Chalk } from 'chalk';
import { createLogUpdate } from 'log-update';
import ora, { type Ora } from 'ora';
import { systemClock, type TimerHandle } from '../streams/clock.js';
import { colorLevel } from './color.js';
import { renderDashboard, SPINNER_FRAME_MS } from './dashboard-layout.js';
import { type DashboardState, initialDashboardState, reduceDashboard } from './dashboard-state.js';
import { finishCommon } from './plain-renderer.js';
import { sanitize } from './text.js';
import type { FinishSummary, OutputStreamLike, Renderer, RendererDeps } from './types.js';

/**
 * The dashboard is redrawn at most this often, however fast tokens arrive: once per spinner frame, like
 * docker buildx's 100 ms refresh. Text streaming in at 10 frames a second reads as smooth, and each frame
 * costs layout plus log-update's re-wrap of the whole frame (about 1 ms at 120×40), so 25 frames a second
 * was most of what `corch run` spent on a fast stream.
 */
export const MAX_REDRAWS_PER_SECOND = 10;
/** Minimum time between two redraws. */
export const REDRAW_INTERVAL_MS = Math.ceil(1000 / MAX_REDRAWS_PER_SECOND);
/** The spinner and the elapsed times tick this often while an agent works. */
export const SPINNER_INTERVAL_MS = SPINNER_FRAME_MS;

const FALLBACK_COLUMNS = 80;
const FALLBACK_ROWS = 24;
const HIDE_CURSOR = '\u001B[?25l';
const SHOW_CURSOR = '\u001B[?25h';

/** Test hook: how many frames were drawn. */
export interface TtyRenderer extends Renderer {
  readonly frames: number;
}

/**
 * The live dashboard on stderr: an ora spinner while connecting and until the first token, then frames of
 * {@link renderDashboard} drawn by log-update, throttled to {@link MAX_REDRAWS_PER_SECOND}, an unchanged frame
 * not drawn again. The final screen (every row, every warning in full) stays in the scrollback; the result
 * follows on stdout (or where it was saved, on stderr).
 */
export function createTtyRenderer(deps: RendererDeps): TtyRenderer {
  const clock = deps.clock ?? systemClock;
  const now = deps.now ?? (deps.clock ? () => clock.now() : Date.now);
  const out = deps.stderr;
  const width = () => positive(deps.columns?.() ?? out.columns, FALLBACK_COLUMNS);
  const height = () => positive(deps.rows?.() ?? out.rows, FALLBACK_ROWS);
  const color = colorLevel(out, deps.env) > 0;
  // ora reads the size from its stream: hand it ours, so injected sizes win. ora also moves the cursor through the stream's readline methods; they are plain escape sequences.
  const terminal: OutputStreamLike & Record<string, unknown> = {
    // Always "written": backpressure on a terminal is not ours to manage, and ora would wait for 'drain'.
    write: (chunk: string) => {
      out.write(chunk);
      return true;
    },
    cursorTo: (x: number) => terminal.write(`\u001B[${Math.max(0, x) + 1}G`),
    moveCursor: (dx: number, dy: number) =>
      terminal.write(
        (dx < 0 ? `\u001B[${-dx}D` : dx > 0 ? `\u001B[${dx}C` : '') + (dy < 0 ? `\u001B[${-dy}A` : dy > 0 ? `\u001B[${dy}B` : ''),
      ),
    clearLine: (dir: number) => terminal.write(dir === 1 ? '\u001B[0K' : dir === -1 ? '\u001B[1K' : '\u001B[2K'),
    once: () => terminal,
    removeListener: () => terminal,
    isTTY: out.isTTY,
    get columns() {
      return width();
    },
    get rows() {
      return height();
    },
  };
  // log-update hides and shows the cursor on process.stderr unless told `showCursor`; the cursor is managed
  // here instead, on the stream we were given.
  const draw = createLogUpdate(terminal as unknown as NodeJS.WritableStream, { showCursor: true });
  let state: DashboardState = initialDashboardState();
  let spinner: Ora | null = null;
  let dashboard = false;
  let cursorHidden = false;
  let disposed = false;
  let lastDrawAt = Number.NEGATIVE_INFINITY;
  let pendingTimer: TimerHandle | undefined;
  let ticker: TimerHandle | undefined;
  let frames = 0;

  const hideCursor = () => {
    if (cursorHidden) return;
    out.write(HIDE_CURSOR);
    cursorHidden = true;
  };
  const showCursor = () => {
    if (!cursorHidden) return;
    out.write(SHOW_CURSOR);
    cursorHidden = false;
  };

  const spinnerText = (): string => {
    const line = state.connection ?? state.messages.at(-1);
    if (line) return line.text;
    const row = state.rows.find((r) => r.status === 'working');
    if (row) return `${row.agent} is starting…`;
    return state.task ? 'starting the run…' : 'connecting…';
  };

  const updateSpinner = () => {
    if (disposed || dashboard) return;
    hideCursor();
    if (spinner === null) {
      spinner = ora({
        stream: terminal as unknown as NodeJS.WritableStream,
        text: spinnerText(),
        isEnabled: true,
        hideCursor: false,
        discardStdin: false,
        color: 'cyan',
      }).start();
    } else spinner.text = spinnerText();
  };

  /** The last frame drawn: an unchanged screen (nothing new since the last tick) is not diffed again. */
  let lastFrame = '';

  const drawNow = (force = false) => {
    if (pendingTimer !== undefined) clock.clearTimeout(pendingTimer);
    pendingTimer = undefined;
    lastDrawAt = now();
    // One line is left for the cursor under the frame, so the top line is never scrolled away.
    const frame = renderDashboard(state, { width: width(), height: height() - 1, color, now: lastDrawAt });
    if (frame === lastFrame && !force) return;
    lastFrame = frame;
    frames += 1;
    draw(frame);
  };

  const startDashboard = () => {
    if (dashboard || disposed) return;
    spinner?.stop();
    spinner = null;
    dashboard = true;
    hideCursor();
    tick();
  };

  /** The elapsed times and spinner frame move on even when no event comes (the clock's timers are unref'd). */
  function tick() {
    ticker = clock.setTimeout(() => {
      if (disposed) return;
      schedule();
      tick();
    }, SPINNER_INTERVAL_MS);
  }

  /** Draws now if the last frame is old enough, else once when it is: many events, one frame. */
  function schedule() {
    if (disposed || !dashboard || pendingTimer !== undefined) return;
    const wait = lastDrawAt + REDRAW_INTERVAL_MS - now();
    if (wait <= 0) {
      drawNow();
      return;
    }
    pendingTimer = clock.setTimeout(() => drawNow(), wait);
  }

  const update = () => {
    if (state.firstOutputSeen) startDashboard();
    if (dashboard) schedule();
    else updateSpinner();
  };

  const stopTimers = () => {
    if (ticker !== undefined) clock.clearTimeout(ticker);
    if (pendingTimer !== undefined) clock.clearTimeout(pendingTimer);
    ticker = undefined;
    pendingTimer = undefined;
  };

  return {
    mode: 'tty',
    get frames() {
      return frames;
    },
    event(event) {
      if (disposed) return;
      state = reduceDashboard(state, event);
      update();
    },
    notice(notice) {
      if (disposed) return;
      state = reduceDashboard(state, notice);
      update();
    },
    resize() {
      if (disposed || !dashboard) return;
      // Lines drawn at the old width have re-wrapped: erase them before drawing at the new size.
      draw.clear();
      drawNow(true);
    },
    async finish(summary: FinishSummary = {}) {
      if (disposed) return;
      stopTimers();
      spinner?.stop();
      spinner = null;
      // The final screen stays in the scrollback, even when the run ended before its first token. It is the
      // record of the run, so it is not cut to the terminal's height: every row, every warning in full.
      if (dashboard || state.rows.length > 0) {
        dashboard = true;
        frames += 1;
        // Written past log-update, which cuts whatever it draws (persisted text too) to the terminal's height:
        // erase the live frame, then print the record as plain lines, already laid out for this width.
        draw.clear();
        draw.done();
        const frame = renderDashboard(state, { width: width(), height: height() - 1, color, now: now(), full: true });
        out.write(frame.endsWith('\n') ? frame : `${frame}\n`);
      }
      showCursor();
      disposed = true;
      const paint = new Chalk({ level: color ? 1 : 0 });
      const say = (level: 'info' | 'warn' | 'error', text: string) =>
        out.write(`${level === 'error' ? paint.red(text) : level === 'warn' ? paint.yellow(text) : paint.dim(text)}\n`);
      // The footer shows the error's first line; the whole message is worth reading once.
      if (state.phase === 'failed' && state.error) say('error', sanitize(state.error.message));
      await finishCommon(state, summary, deps, say);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      stopTimers();
      spinner?.stop();
      spinner = null;
      if (dashboard) draw.done();
      showCursor();
    },
  };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}
