import type { StageRow } from '../render/dashboard-state.js';

import { stageLabel } from '../render/format.js';

export { formatCost, formatDuration, formatTokens, stageLabel } from '../render/format.js';

/** "just now", "3 min ago", "2 h ago", "4 d ago": the age of a run in the list. */
export function formatAge(createdAt: string, nowMs: number): string {
  const ms = nowMs - Date.parse(createdAt);
  if (!Number.isFinite(ms) || ms < 45_000) return 'just now';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/** The first line of a task, for titles and the list. */
export function firstLine(text: string | null): string {
  const line = (text ?? '').split('\n', 1)[0]?.trim() ?? '';
  return line === '' ? '(no task)' : line;
}

/** "Coder", "Refiner · round 2", "Coder · candidate 2/3" (a consensus stage), "Coder · cached". */
export function rowLabel(row: StageRow): string {
  const parts = [stageLabel(row)];
  if (row.candidate !== undefined) parts.push(`candidate ${row.candidate}/${row.candidates ?? '?'}${row.picked ? ' ✓ picked' : ''}`);
  if (row.cacheHit) parts.push('cached');
  return parts.join(' · ');
}

/** Output tokens of a row: the final count once done, the deltas so far while it works. */
export function rowTokens(row: StageRow): number {
  return row.usage ? row.usage.output_tokens : row.deltas;
}
