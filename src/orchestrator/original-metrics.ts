import type { OriginalMetrics } from '../protocol/events.js';

/** What a finished run measured, from which the original design's four metrics are derived. */
export interface MetricInputs {
  /** The last review's `code_quality_score` (0–10), or null when it gave none. */
  qualityScore: number | null;
  /** Whether a review finished at all (harmony is unknown without one). */
  reviewed: boolean;
  /** Critical issues the last review still listed (an unreadable review counts as one). */
  openCriticalIssues: number;
  refineRounds: number;
  maxRefineRounds: number;
  durationMs: number;
  maxSeconds: number;
  /** USD spent; null when a price was unknown. */
  cost: number | null;
  /** USD budget; null when there is none. */
  maxCost: number | null;
}

/**
 * The original design's `quality`, `efficiency`, `harmony` and `overall` (0..1, two decimals), each
 * defined from what the run measured rather than guessed (docs/metrics.md):
 * - `quality`: the last review's score / 10; null when the reviewer gave no score.
 * - `efficiency`: the mean of the refine rounds left unused (1 − rounds / max rounds), the time budget
 *   left (1 − duration / max_seconds) and, with a cost budget and a known cost, the cost budget left.
 * - `harmony`: 1 / (1 + critical issues the last review left open): 1 when the reviewer approved;
 *   null when no review finished.
 * - `overall`: the mean of the three that are known.
 */
export function originalMetrics(inputs: MetricInputs): OriginalMetrics {
  const quality = inputs.qualityScore === null ? null : round2(clamp01(inputs.qualityScore / 10));
  const parts = [
    inputs.maxRefineRounds > 0 ? 1 - inputs.refineRounds / inputs.maxRefineRounds : 1,
    1 - inputs.durationMs / (inputs.maxSeconds * 1000),
  ];
  if (inputs.maxCost !== null && inputs.maxCost > 0 && inputs.cost !== null) parts.push(1 - inputs.cost / inputs.maxCost);
  const efficiency = round2(mean(parts.map(clamp01)));
  const harmony = inputs.reviewed ? round2(1 / (1 + Math.max(0, inputs.openCriticalIssues))) : null;
  const known = [quality, efficiency, harmony].filter((value): value is number => value !== null);
  return { quality, efficiency, harmony, overall: round2(mean(known)) };
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
