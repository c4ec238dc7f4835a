import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import { Chalk, type ChalkInstance } from 'chalk';
import type { DashboardState, LivePane, StageRow, StatusLine } from './dashboard-state.js';
import { formatCost, formatDuration, formatTokens, stageLabel } from './format.js';
import { displayWidth, firstLine, padEnd, truncate, wrapLines, wrapTail } from './text.js';

/** One spinner frame lasts this long; the frame shown is derived from the clock, so layout stays pure. */
export const SPINNER_FRAME_MS = 100;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FALLBACK_WIDTH = 80;
const FALLBACK_HEIGHT = 24;
/** The agent-name column never takes more than this share of the width. */
const MAX_LABEL_SHARE = 0.4;

export interface LayoutOptions {
  /** Terminal columns (falls back to 80 when not a positive number). */
  width: number;
  /** Terminal rows available to the dashboard (falls back to 24). */
  height: number;
  color: boolean;
  /** Clock in ms since the epoch: elapsed times and the spinner frame. */
  now: number;
  /**
   * The final screen, left in the scrollback: every stage row and every warning in full (wrapped, not cut),
   * whatever the height.
   */
  full?: boolean;
}

function positive(value: number, fallback: number): number {
  return Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

export function isFinished(state: DashboardState): boolean {
  return state.phase === 'completed' || state.phase === 'failed' || state.phase === 'cancelled';
}

/** Whole-run elapsed ms: from the events once finished (so a replay ends on the same screen), else the clock. */
export function elapsedMs(state: DashboardState, now: number): number | null {
  if (state.durationMs !== null) return state.durationMs;
  if (state.startedAtMs === null) return null;
  const end = isFinished(state) && state.endedAtMs !== null ? state.endedAtMs : now;
  return Math.max(0, end - state.startedAtMs);
}

/** Greedily packs parts into lines of `width`, separated by " · "; a part wider than a line is cut. */
function pack(parts: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const raw of parts) {
    const part = truncate(raw, width);
    if (line === '') line = part;
    else if (displayWidth(line) + 3 + displayWidth(part) <= width) line += ` · ${part}`;
    else {
      lines.push(line);
      line = part;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function headerLines(state: DashboardState, width: number, c: ChalkInstance, now: number, full: boolean): string[] {
  const task = state.task === null ? 'connecting…' : firstLine(state.task);
  const lines = [`${c.bold('corch')} ${truncate(task, Math.max(0, width - 6))}`];
  // Right under the task, and kept when the header shrinks: a simulated run is not a model's work.
  if (state.simulated) {
    const notice = `[${state.providerNotice ?? SIMULATED_LABEL}]`;
    for (const line of full ? wrapLines(notice, width) : [truncate(notice, width)]) lines.push(c.yellow.bold(line));
  }
  const parts: string[] = [];
  if (state.provider !== null) parts.push(state.model ? `${state.provider} · ${state.model}` : state.provider);
  const elapsed = elapsedMs(state, now);
  if (elapsed !== null) parts.push(formatDuration(elapsed));
  const rate = tokensPerSecond(state, elapsed);
  if (rate !== null) parts.push(`${rate.toFixed(rate < 10 ? 1 : 0)} tok/s`);
  if (state.actualCost !== null || state.estimatedCost !== null) {
    const estimate = state.estimatedCost === null || isFinished(state) ? '' : ` of ~${formatCost(state.estimatedCost)}`;
    parts.push(`${formatCost(state.actualCost)}${estimate}`);
  } else if (state.provider !== null) parts.push('cost n/a');
  for (const line of pack(parts, width)) lines.push(c.dim(line));
  return lines;
}

function tokensPerSecond(state: DashboardState, elapsed: number | null): number | null {
  if (state.completed) return state.completed.metrics.tokens_per_second;
  if (elapsed === null || elapsed < 1000) return null;
  const live = state.rows.reduce((sum, row) => sum + (row.status === 'working' ? row.deltas : 0), 0);
  return (state.usage.output_tokens + live) / (elapsed / 1000);
}

function styleStatus(line: StatusLine, width: number, c: ChalkInstance, full = false): string[] {
  const paint = line.level === 'error' ? c.red : line.level === 'warn' ? c.yellow : c.cyan;
  const texts = full ? wrapLines(line.text, width) : [truncate(line.text, width)];
  return texts.map((text) => paint(text));
}

function statusLines(state: DashboardState, width: number, c: ChalkInstance, full: boolean): string[] {
  const lines: StatusLine[] = [];
  if (state.connection) lines.push(state.connection);
  const last = state.messages.at(-1);
  if (full && state.warnings.length > 0) {
    // The final screen keeps every warning of the run, and the latest message when it says something else.
    lines.push(...state.warnings);
    if (last && !state.warnings.includes(last)) lines.push(last);
  } else if (last) lines.push(last);
  return lines.flatMap((line) => styleStatus(line, width, c, full));
}

function compactLabel(row: StageRow): string {
  const base = row.iteration > 0 ? `${row.agent} ${row.iteration}` : row.agent;
  return row.candidate === undefined ? base : `${base} #${row.candidate}`;
}

/** "Coder", "Refiner · round 2", and "Coder #2" for candidate 2 of a consensus stage. */
function fullLabel(row: StageRow): string {
  return row.candidate === undefined ? stageLabel(row) : `${stageLabel(row)} #${row.candidate}`;
}

/** What a done row adds after duration, tokens and cost: a candidate's model and pick, a Judge's pick, a replay. */
function doneNotes(row: StageRow): string[] {
  const notes: string[] = [];
  if (row.candidate !== undefined) notes.push(row.model);
  if (row.picked) notes.push('★ picked');
  if (row.choice !== undefined) notes.push(`picked #${row.choice}`);
  if (row.cacheHit) notes.push(`cached, saved ${formatCost(row.savedCost ?? null)}`);
  return notes;
}

function rowLine(row: StageRow, text: string, labelWidth: number, width: number, c: ChalkInstance, now: number): string {
  const icon = {
    waiting: c.dim('·'),
    working: c.cyan(SPINNER[Math.floor(now / SPINNER_FRAME_MS) % SPINNER.length] ?? '*'),
    done: c.green('✔'),
    failed: c.red('✖'),
    skipped: c.dim('–'),
  }[row.status];
  const label = padEnd(text, labelWidth);
  const detailWidth = Math.max(0, width - 3 - labelWidth);
  let detail: string;
  switch (row.status) {
    case 'waiting':
      return `${icon} ${c.dim(label)} ${c.dim(truncate(firstLine(row.description), detailWidth))}`.trimEnd();
    case 'working': {
      // "tok" is output tokens on a working row and a done one alike; while streaming, each delta counts as
      // about one, so the live figure is marked approximate.
      const since = row.startedAtMs === null ? null : Math.max(0, now - row.startedAtMs);
      const what = row.candidate === undefined ? firstLine(row.description) : row.model;
      detail = [formatDuration(since), `~${formatTokens(row.deltas)} tok`, what].join(' · ');
      return `${icon} ${c.bold(label)} ${truncate(detail, detailWidth)}`.trimEnd();
    }
    case 'done': {
      const tokens = row.usage ? row.usage.output_tokens : 0;
      detail = [formatDuration(row.durationMs), `${formatTokens(tokens)} tok`, formatCost(row.cost), ...doneNotes(row)].join(' · ');
      return `${icon} ${label} ${c.dim(truncate(detail, detailWidth))}`.trimEnd();
    }
    case 'failed':
      detail = row.durationMs === null || row.error !== undefined ? 'failed' : `failed after ${formatDuration(row.durationMs)}`;
      if (row.error !== undefined) detail += `: ${firstLine(row.error)}`;
      return `${icon} ${c.red(label)} ${c.red(truncate(detail, detailWidth))}`.trimEnd();
    case 'skipped':
      return `${icon} ${c.dim(label)} ${c.dim(truncate('skipped (not needed)', detailWidth))}`.trimEnd();
  }
}

function rowLines(state: DashboardState, width: number, budget: number, c: ChalkInstance, now: number): string[] {
  if (budget <= 0 || state.rows.length === 0) return [];
  const cap = Math.max(4, Math.floor(width * MAX_LABEL_SHARE));
  // "Reviewer · round 2" where it fits, "Reviewer 2" on narrow terminals.
  const compact = Math.max(...state.rows.map((row) => displayWidth(fullLabel(row)))) > cap;
  const labelOf = (row: StageRow) => (compact ? compactLabel(row) : fullLabel(row));
  const labelWidth = Math.min(Math.max(...state.rows.map((row) => displayWidth(labelOf(row)))), cap);
  const all = state.rows;
  if (all.length <= budget) return all.map((row) => rowLine(row, labelOf(row), labelWidth, width, c, now));
  // Too many rows for the terminal: a window around the work in progress, and a line saying what is hidden.
  const shown = budget - 1;
  if (shown <= 0) return [c.dim(truncate(`${all.length} stages`, width))];
  const focus = Math.max(0, all.findIndex((row) => row.status === 'working' || row.status === 'waiting'));
  const start = Math.min(Math.max(0, focus - Math.floor(shown / 2)), all.length - shown);
  const rows = all.slice(start, start + shown).map((row) => rowLine(row, labelOf(row), labelWidth, width, c, now));
  const above = start;
  const below = all.length - start - shown;
  const hidden = [above > 0 ? `${above} above` : '', below > 0 ? `${below} below` : ''].filter(Boolean).join(', ');
  return [...rows, c.dim(truncate(`  … ${hidden}`, width))];
}

/** Narrowest column a candidate's pane gets side by side; narrower terminals stack the panes. */
export const MIN_PANE_COLUMN_WIDTH = 30;
const COLUMN_GAP = ' │ ';

function paneTitle(state: DashboardState, pane: LivePane): string {
  if (pane.candidate === undefined) return stageLabel(pane);
  const row = state.rows.find((r) => r.chunk === pane.chunk);
  const parts = [`${stageLabel(pane)} #${pane.candidate}/${pane.candidates ?? '?'}`];
  if (row) {
    parts.push(row.model);
    const tokens = row.status === 'working' ? `~${formatTokens(row.deltas)}` : formatTokens(row.usage?.output_tokens ?? 0);
    parts.push(`${tokens} tok`);
    if (row.status !== 'working') parts.push(row.status === 'failed' ? 'failed' : formatCost(row.cost));
    if (row.picked) parts.push('★');
  }
  return parts.join(' · ');
}

function rule(title: string, width: number, c: ChalkInstance): string {
  const head = `─${truncate(` ${title} `, Math.max(0, width - 2))}`;
  return c.dim(head + '─'.repeat(Math.max(0, width - displayWidth(head))));
}

/**
 * The live text: one pane across the width, or a consensus stage's candidates side by side — in columns
 * when each gets at least {@link MIN_PANE_COLUMN_WIDTH} columns, stacked otherwise — each with its model,
 * tokens and cost.
 */
function paneLines(state: DashboardState, width: number, budget: number, c: ChalkInstance): string[] {
  const panes = state.panes;
  if (budget < 2 || panes.length === 0) return [];
  if (panes.length === 1) {
    const pane = panes[0]!;
    return [rule(paneTitle(state, pane), width, c), ...wrapTail(pane.text, width, budget - 1)];
  }
  const gaps = displayWidth(COLUMN_GAP) * (panes.length - 1);
  const columnWidth = Math.floor((width - gaps) / panes.length);
  if (columnWidth >= MIN_PANE_COLUMN_WIDTH) {
    const columns = panes.map((pane) => [
      rule(paneTitle(state, pane), columnWidth, c),
      ...padLines(wrapTail(pane.text, columnWidth, budget - 1), budget - 1),
    ]);
    const lines: string[] = [];
    for (let i = 0; i < budget; i++) lines.push(columns.map((col) => padEnd(col[i] ?? '', columnWidth)).join(c.dim(COLUMN_GAP)).trimEnd());
    return lines;
  }
  // Stacked: each candidate gets its share of the lines, a title and the tail of its text.
  const share = Math.floor(budget / panes.length);
  if (share < 2) return panes.slice(0, budget).map((pane) => rule(paneTitle(state, pane), width, c));
  return panes.flatMap((pane) => [rule(paneTitle(state, pane), width, c), ...wrapTail(pane.text, width, share - 1)]);
}

function padLines(lines: string[], count: number): string[] {
  return lines.length >= count ? lines : [...lines, ...Array.from({ length: count - lines.length }, () => '')];
}

function progressLine(state: DashboardState, width: number, c: ChalkInstance): string {
  const total = state.totalChunks;
  const done = Math.min(state.chunksCompleted, total || state.chunksCompleted);
  const count = `${done}/${total > 0 ? total : '?'}`;
  const suffix = width >= 40 ? ` ${count} chunks` : ` ${count}`;
  const barWidth = Math.max(0, width - displayWidth(suffix));
  const filled = total > 0 ? Math.round((done / total) * barWidth) : 0;
  const colour = state.phase === 'failed' ? c.red : state.phase === 'cancelled' ? c.yellow : c.green;
  return colour('█'.repeat(filled)) + c.dim('░'.repeat(barWidth - filled)) + suffix;
}

function footerLine(state: DashboardState, width: number, c: ChalkInstance, now: number): string {
  const elapsed = formatDuration(elapsedMs(state, now));
  switch (state.phase) {
    case 'completed': {
      const { input_tokens, output_tokens } = state.usage;
      const totals = `${formatTokens(input_tokens)} in + ${formatTokens(output_tokens)} out tokens · ${formatCost(state.actualCost)}`;
      const open = state.completed?.metrics.open_critical_issues ?? 0;
      // Done, but the last review still listed critical issues: not a ✔.
      if (open > 0) {
        const issues = `${open} critical issue${open === 1 ? '' : 's'} still open`;
        return c.yellow(truncate(`⚠ done in ${elapsed} · ${issues} · ${totals}`, width));
      }
      return c.green(truncate(`✔ done in ${elapsed} · ${totals}`, width));
    }
    case 'failed': {
      const error = state.error;
      return c.red(truncate(`✖ failed (${error?.code ?? 'unknown'}): ${firstLine(error?.message ?? '')}`, width));
    }
    case 'cancelled':
      return c.yellow(truncate(`cancelled after ${elapsed}`, width));
    default:
      return state.cancelling
        ? c.yellow(truncate('cancelling… (Ctrl-C again to quit now)', width))
        : c.dim(truncate('Ctrl-C to cancel', width));
  }
}

/** The dashboard screen: a pure function of the state and the terminal. Every line fits `width` columns and
 * there are at most `height` lines. */
export function renderDashboard(state: DashboardState, options: LayoutOptions): string {
  const width = positive(options.width, FALLBACK_WIDTH);
  const height = positive(options.height, FALLBACK_HEIGHT);
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const full = options.full === true;
  let header = headerLines(state, width, c, options.now, full);
  let status = statusLines(state, width, c, full);
  const bottom = [progressLine(state, width, c), footerLine(state, width, c, options.now)];
  if (full) {
    const rows = rowLines(state, width, state.rows.length, c, options.now);
    return [...header, ...status, ...rows, ...bottom].join('\n');
  }
  // On very short terminals the details go first, then the header shrinks to the task line.
  if (header.length + status.length + bottom.length > height) status = status.slice(0, 1);
  if (header.length + status.length + bottom.length > height) header = header.slice(0, state.simulated ? 2 : 1);
  const fixed = header.length + status.length + bottom.length;
  const rows = rowLines(state, width, height - fixed, c, options.now);
  const pane = isFinished(state) ? [] : paneLines(state, width, height - fixed - rows.length, c);
  return [...header, ...status, ...rows, ...pane, ...bottom].slice(-height).join('\n');
}
