import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import { AGENT_NAMES } from '../protocol/index.js';
import type { DashboardState } from './dashboard-state.js';
import { isFinished } from './dashboard-layout.js';
import { formatCost, formatCount, formatDuration, stageLabel } from './format.js';
import { cell, excerpt, fence } from './markdown.js';
import { firstLine } from './text.js';

/** How much of the result the step summary shows; the whole deliverable belongs in `--output`. */
const EXCERPT_LINES = 40;
const EXCERPT_CHARS = 4_000;

function outcome(state: DashboardState): string {
  const tokens = formatCount(state.usage.input_tokens + state.usage.output_tokens);
  const totals = `${formatDuration(state.durationMs)} · ${tokens} tokens · ${formatCost(state.actualCost)}`;
  switch (state.phase) {
    case 'completed':
      return `✅ **Completed** in ${totals}`;
    case 'cancelled':
      return `⚠️ **Cancelled** after ${totals}`;
    case 'failed':
      return `❌ **Failed** (\`${state.error?.code ?? 'unknown'}\`${state.error?.stage ? ` in ${AGENT_NAMES[state.error.stage]}` : ''}): ${cell(state.error?.message ?? '')}`;
    default:
      return isFinished(state) ? '' : '⚠️ **Did not finish**: the run was interrupted before its last event';
  }
}

/** The Markdown appended to `$GITHUB_STEP_SUMMARY`: plan, per-stage duration/tokens/cost, result excerpt. */
export function renderStepSummary(state: DashboardState): string {
  const lines: string[] = [`## corch: ${cell(firstLine(state.task ?? 'run'))}`, ''];
  if (state.simulated) lines.push(`> **${state.providerNotice ?? SIMULATED_LABEL}**`, '');
  lines.push(outcome(state), '');
  if (state.provider) lines.push(`Provider: \`${state.provider}\`${state.model ? ` · model \`${state.model}\`` : ''}`, '');
  lines.push('| # | Stage | Description | Status | Duration | Tokens in / out | Cost |', '|---|---|---|---|---|---|---|');
  for (const row of state.rows) {
    const tokens = row.usage ? `${formatCount(row.usage.input_tokens)} / ${formatCount(row.usage.output_tokens)}` : '–';
    lines.push(
      `| ${row.chunk} | ${cell(stageLabel(row))} | ${cell(firstLine(row.description))} | ${row.status} | ${formatDuration(row.durationMs)} | ${tokens} | ${row.status === 'done' ? formatCost(row.cost) : '–'} |`,
    );
  }
  const result = state.completed?.result;
  if (result) {
    lines.push('', '### Result (excerpt)', '', fence(excerpt(result, EXCERPT_LINES, EXCERPT_CHARS)));
  }
  return `${lines.join('\n')}\n\n`;
}
