/** `850ms` → "0.9s", `83_000` → "1m 23s", `3_720_000` → "1h 02m". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const clamped = Math.max(0, ms);
  if (clamped < 60_000) return `${(clamped / 1000).toFixed(1)}s`;
  const totalSeconds = Math.floor(clamped / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0
    ? `${hours}h ${String(minutes).padStart(2, '0')}m`
    : `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** USD with enough digits to see small costs; `null` (unknown price) is said, never guessed. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return 'n/a';
  if (usd === 0) return '$0.00';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** Compact token counts for narrow rows: 512, 1.2k, 34k, 1.5M. */
export function formatTokens(count: number): string {
  if (count < 1000) return String(Math.round(count));
  if (count < 10_000) return `${(count / 1000).toFixed(1)}k`;
  if (count < 1_000_000) return `${Math.round(count / 1000)}k`;
  return `${(count / 1_000_000).toFixed(1)}M`;
}

/** Thousands separators for summaries: 12,345. */
export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}

/** "Coder", or "Refiner · round 2" for the review/refine loop. */
export function stageLabel(row: { agent: string; iteration: number }): string {
  return row.iteration > 0 ? `${row.agent} · round ${row.iteration}` : row.agent;
}
