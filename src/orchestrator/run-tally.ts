import type { CacheTally, RunMetrics, StageRole, Usage } from '../protocol/events.js';
import type { RunBudget } from './budgets.js';
import { originalMetrics } from './original-metrics.js';
import { MAX_REFINE_ROUNDS } from './plan.js';
import { addCosts } from './prices.js';
import { stageDefinition } from './stage-registry.js';

/**
 * Running totals of a run: usage, cost, model time, the stage cache's hits, and the output of each role
 * (for a consensus stage: the chosen candidate's). Kept apart from the pipeline so the numbers in progress
 * events and in `task_completed` come from one place.
 */
export class RunTally {
  readonly usage: Usage = { input_tokens: 0, output_tokens: 0 };
  /** USD so far; null once any chunk's price was unknown. */
  cost: number | null = 0;
  chunksCompleted = 0;
  refineRounds = 0;
  /** Sum of stage durations (model time), for the measured speed. */
  modelMs = 0;
  readonly outputs: Partial<Record<StageRole, string>> = {};
  /** The role whose output is the code as it stands (the latest `code` stage that finished). */
  private codeRole: StageRole | undefined;
  lastScore: number | null = null;
  readonly cache: CacheTally = { hits: 0, misses: 0, saved_cost: 0 };
  /** Critical issues the latest review listed. */
  openCriticalIssues = 0;

  /** Adds a finished chunk's usage, cost and model time; every candidate and every Judge counts. */
  add(usage: Usage, cost: number | null, durationMs: number): void {
    this.usage.input_tokens += usage.input_tokens;
    this.usage.output_tokens += usage.output_tokens;
    this.cost = addCosts(this.cost, cost);
    this.chunksCompleted++;
    this.modelMs += durationMs;
  }

  /** Records a stage's output (a consensus stage's chosen candidate), as the next stages will see it. */
  setOutput(stage: StageRole, output: string): void {
    this.outputs[stage] = output;
    if (stage === 'refiner') this.refineRounds++;
    if (stageDefinition(stage).use === 'code') this.codeRole = stage;
  }

  /** The code as it stands: the latest refinement, else the coder's. */
  get code(): string | undefined {
    return this.codeRole === undefined ? undefined : this.outputs[this.codeRole];
  }

  /** Metrics for `task_completed`; with the run's budget, the original design's four scores too. */
  metrics(totalChunks: number, durationMs: number, budget?: RunBudget): RunMetrics {
    const scores =
      budget === undefined
        ? {}
        : originalMetrics({
            qualityScore: this.lastScore,
            reviewed: this.outputs.reviewer !== undefined,
            openCriticalIssues: this.openCriticalIssues,
            refineRounds: this.refineRounds,
            maxRefineRounds: MAX_REFINE_ROUNDS,
            durationMs,
            maxSeconds: budget.maxSeconds,
            cost: this.cost,
            maxCost: budget.maxCost,
          });
    return {
      ...scores,
      total_chunks: totalChunks,
      chunks_completed: this.chunksCompleted,
      refine_rounds: this.refineRounds,
      input_tokens: this.usage.input_tokens,
      output_tokens: this.usage.output_tokens,
      tokens_per_second: this.modelMs > 0 ? round(this.usage.output_tokens / (this.modelMs / 1000), 1) : 0,
      duration_ms: Math.round(durationMs),
      cost: roundCost(this.cost),
      code_quality_score: this.lastScore,
      open_critical_issues: this.openCriticalIssues,
    };
  }
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** USD rounded to a millionth of a dollar (prices are per million tokens), keeping null. */
export function roundCost(cost: number | null): number | null {
  return cost === null ? null : round(cost, 6);
}
