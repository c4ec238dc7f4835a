import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { Chalk } from 'chalk';
import { type ChunkStartedData, type CorchEvent, errorOutcome } from '../protocol/index.js';
import { colorLevel } from './color.js';
import { type DashboardState, initialDashboardState, reduceDashboard } from './dashboard-state.js';
import { formatCost, formatCount, formatDuration, stageLabel } from './format.js';
import { escapeData, escapeProperty, isGitHubActions } from './github-commands.js';
import { renderStepSummary } from './github-summary.js';
import { noticeText } from './notice-text.js';
import { sanitize } from './text.js';
import type { FinishSummary, RenderNotice, Renderer, RendererDeps } from './types.js';

/** A line with no newline yet is printed anyway past this length, so one endless line cannot hold the log back. */
export const MAX_PENDING_LINE_CHARS = 4_000;

/**
 * Line-oriented output for logs and CI: progress and the agents' text on stderr, line-buffered; the result on
 * stdout. No cursor movement; colour only as {@link colorLevel} allows. Under GitHub Actions each stage is a
 * collapsible group and a summary is appended to `$GITHUB_STEP_SUMMARY`.
 */
export function createPlainRenderer(deps: RendererDeps): Renderer {
  const c = new Chalk({ level: colorLevel(deps.stderr, deps.env) });
  const github = isGitHubActions(deps.env);
  let state: DashboardState = initialDashboardState();
  let pending = '';
  /** Set while agent text is printed inside a GitHub group with workflow commands paused. */
  let stopToken: string | null = null;
  let groupOpen = false;

  const line = (text: string) => deps.stderr.write(`${text}\n`);
  const say = (level: 'info' | 'warn' | 'error', text: string) => {
    const styled = level === 'error' ? c.red(text) : level === 'warn' ? c.yellow(text) : c.dim(text);
    line(`${c.dim('corch:')} ${styled}`);
  };

  const flushText = (all: boolean) => {
    const text = sanitize(pending);
    const cut = all ? text.length : text.lastIndexOf('\n') + 1;
    if (cut > 0) deps.stderr.write(text.slice(0, cut).replace(/([^\n])$/, '$1\n'));
    pending = text.slice(cut);
    if (pending.length > MAX_PENDING_LINE_CHARS) {
      line(pending);
      pending = '';
    }
  };

  /**
   * Candidates of a consensus stage stream side by side; their text is held per candidate and printed as
   * one group when the candidate finishes, so the log reads one candidate at a time.
   */
  const candidates = new Map<number, { started: ChunkStartedData; text: string }>();

  const openGroup = (d: ChunkStartedData) => {
    const label = d.candidate === undefined ? stageLabel(d) : `${stageLabel(d)} · candidate ${d.candidate} of ${d.candidates} (${d.model})`;
    const title = `[${d.chunk_number}/${Math.max(d.total_chunks, state.totalChunks)}] ${label}: ${d.description}`;
    if (!github) {
      line(c.cyan(`▶ ${sanitize(title)}`));
      return;
    }
    line(`::group::${escapeData(sanitize(title))}`);
    groupOpen = true;
    // Model output is untrusted: a line like "::add-mask::" or "::endgroup::" in it must stay text.
    stopToken = randomUUID();
    line(`::stop-commands::${stopToken}`);
  };

  const closeGroup = () => {
    if (stopToken !== null) line(`::${stopToken}::`);
    stopToken = null;
    if (groupOpen) line('::endgroup::');
    groupOpen = false;
  };

  const onEvent = (event: CorchEvent) => {
    const before = state;
    // Token deltas only feed the dashboard's live pane and counters, which plain output never shows:
    // reducing them would copy the state for every token.
    if (event.event !== 'token_stream' && event.event !== 'heartbeat') state = reduceDashboard(state, event);
    switch (event.event) {
      case 'task_started': {
        const d = event.data;
        line(`${c.bold('corch')} ${sanitize(d.task)}`);
        line(c.dim(`provider: ${d.provider}${d.model ? ` · ${d.model}` : ''} · stream ${d.stream_id}`));
        if (d.simulated) line(c.yellow.bold(`[${d.notice ?? SIMULATED_LABEL}]`));
        line(c.dim(`plan: ${d.pipeline.map((stage) => stageLabel(stage)).join(' → ')}`));
        break;
      }
      case 'task_progress':
        if (event.data.reason === 'plan' && before.estimatedTimeS === null) {
          line(c.dim(`estimate: ~${formatDuration(event.data.estimated_time * 1000)} · ~${formatCost(event.data.estimated_cost)}`));
        } else if (event.data.reason === 'round_added') {
          line(c.dim(`plan: another review round added (${event.data.total_chunks} chunks)`));
        }
        break;
      case 'chunk_started': {
        const d = event.data;
        flushText(true);
        closeGroup();
        if (d.candidate !== undefined) {
          candidates.set(d.chunk_number, { started: d, text: '' });
          line(c.cyan(`▶ [${d.chunk_number}/${Math.max(d.total_chunks, state.totalChunks)}] ${stageLabel(d)} · candidate ${d.candidate} of ${d.candidates} (${sanitize(d.model)}) started`));
        } else openGroup(d);
        break;
      }
      case 'token_stream': {
        const held = event.data.candidate === undefined ? undefined : candidates.get(event.data.chunk_number);
        if (held) held.text += event.data.tokens;
        else {
          pending += event.data.tokens;
          flushText(false);
        }
        break;
      }
      case 'chunk_completed': {
        const d = event.data;
        const held = d.candidate === undefined ? undefined : candidates.get(d.chunk_number);
        if (held) {
          candidates.delete(d.chunk_number);
          openGroup(held.started);
          pending = held.text;
        }
        flushText(true);
        closeGroup();
        const where = `[${d.chunk_number}/${state.totalChunks}] ${stageLabel(d)}${d.candidate === undefined ? '' : ` · candidate ${d.candidate}`}`;
        if (d.error) {
          line(c.red(`✖ ${where} failed (${d.error.code}): ${sanitize(d.error.message)}`));
          break;
        }
        const tokens = formatCount(d.usage.input_tokens + d.usage.output_tokens);
        const notes = [
          ...(d.cache_hit ? [`from the cache, saved ${formatCost(d.saved_cost ?? null)}`] : []),
          ...(d.choice === undefined ? [] : [`picked candidate ${d.choice}`]),
        ];
        line(c.green(`✔ ${where} done in ${formatDuration(d.duration_ms)} · ${tokens} tokens · ${formatCost(d.cost)}${notes.map((n) => ` · ${n}`).join('')}`));
        break;
      }
      case 'task_completed': {
        flushText(true);
        closeGroup();
        const d = event.data;
        const tokens = formatCount(d.usage.input_tokens + d.usage.output_tokens);
        line(c.green.bold(`✔ completed in ${formatDuration(d.duration_ms)} · ${d.metrics.chunks_completed} chunks · ${tokens} tokens · ${formatCost(d.cost)}`));
        break;
      }
      case 'task_error': {
        flushText(true);
        closeGroup();
        const d = event.data;
        const where = d.stage ? ` in ${d.stage}` : '';
        const cancelled = errorOutcome(d.code) === 'cancelled';
        if (cancelled) line(c.yellow(`✖ cancelled${where}: ${sanitize(d.error)}`));
        else line(c.red(`✖ failed (${d.code})${where}: ${sanitize(d.error)}`));
        if (github && cancelled) line(`::warning title=${escapeProperty('corch run cancelled')}::${escapeData(sanitize(d.error))}`);
        if (github && !cancelled) line(`::error title=${escapeProperty(`corch run failed (${d.code})`)}::${escapeData(sanitize(d.error))}`);
        break;
      }
      case 'system_message':
        say(event.data.level, sanitize(event.data.message));
        break;
      case 'heartbeat':
        break;
    }
  };

  return {
    mode: 'plain',
    event: onEvent,
    notice(notice: RenderNotice) {
      state = reduceDashboard(state, notice);
      const text = noticeText(notice);
      if (text) say(text.level, text.text);
    },
    resize() {},
    async finish(summary: FinishSummary = {}) {
      flushText(true);
      closeGroup();
      await finishCommon(state, summary, deps, say);
    },
    dispose() {
      flushText(true);
      closeGroup();
    },
  };
}

/** The end of a plain or json run: where files went, the result on stdout, and the GitHub step summary. */
/** Said once after a simulated run: what the user does to have a model do the work. */
export const REAL_MODEL_HINT =
  'That was the simulated provider (no model was called). For a real model: set OPENAI_API_KEY, ANTHROPIC_API_KEY ' +
  'or OPENROUTER_API_KEY, or start Ollama, then run again (or pass --provider).';

export async function finishCommon(
  state: DashboardState,
  summary: FinishSummary,
  deps: RendererDeps,
  say: (level: 'info' | 'warn' | 'error', text: string) => void,
  printResult = true,
): Promise<void> {
  if (summary.interrupted) say('error', summary.interrupted);
  if (state.simulated && state.phase === 'completed') say('info', REAL_MODEL_HINT);
  if (summary.eventsPath) say('info', `events saved to ${summary.eventsPath}`);
  if (summary.outputPath) say('info', `result saved to ${summary.outputPath}`);
  else if (printResult && state.completed) {
    const result = deps.stdout.isTTY ? sanitize(state.completed.result) : state.completed.result;
    deps.stdout.write(result.endsWith('\n') ? result : `${result}\n`);
  }
  await appendStepSummary(state, deps, say);
}

async function appendStepSummary(
  state: DashboardState,
  deps: RendererDeps,
  say: (level: 'info' | 'warn' | 'error', text: string) => void,
): Promise<void> {
  const path = deps.env.GITHUB_STEP_SUMMARY;
  if (!isGitHubActions(deps.env) || !path) return;
  try {
    await appendFile(path, renderStepSummary(state), 'utf8');
  } catch (error) {
    // The run itself succeeded or failed on its own terms; a summary that cannot be written is only a warning.
    say('warn', `cannot append to GITHUB_STEP_SUMMARY (${path}): ${(error as Error).message}`);
  }
}

