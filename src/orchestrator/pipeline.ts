import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import type { ChunkCompletedData, StageRole, TaskProgressData } from '../protocol/events.js';
import type { TaskRequest } from '../protocol/task-request.js';
import type { LlmProvider, LlmRequest, ProviderName } from '../providers/types.js';
import type { Clock } from '../streams/clock.js';
import type { RunContext } from '../streams/run-function.js';
import type { StageCache } from '../streams/stage-cache.js';
import { costBudgetError, type RunBudget, resolveBudget, startDeadline, timeBudgetError } from './budgets.js';
import { type ChunkJob, type ChunkResult, type ChunkRunEnv, runChunk } from './chunk-runner.js';
import { resolveConsensus } from './consensus.js';
import { runConsensusStep } from './consensus-step.js';
import { approxTokens, type EstimateChunk, RunEstimator } from './estimates.js';
import {
  type ChunkSpec,
  type ConsensusPlan,
  chunkModel,
  chunksOf,
  firstChunkNumber,
  MAX_REFINE_ROUNDS,
  type PlanStep,
  planChunks,
  planSteps,
  replanAfterReview,
  toPlannedStages,
} from './plan.js';
import { buildPrompt, type PromptInputs } from './prompts.js';
import { needsRefine, parseReview, type Review } from './review.js';
import {
  budgetStopNote,
  cacheNote,
  expectedSpeed,
  providerMessage,
  reviewNote,
  timeRanOutNote,
  unknownPriceNote,
} from './run-messages.js';
import { type PriceBook, resolveRunPricing } from './run-pricing.js';
import { RunTally, round, roundCost } from './run-tally.js';
import type { ServerSettings } from './settings.js';
import { STAGE_REGISTRY, stageDefinition } from './stage-registry.js';
import { resolveRunModel, resolveStageSettings, type StageSettings } from './stage-settings.js';

/** What a pipeline run needs besides the run context. */
export interface PipelineDeps {
  provider: LlmProvider;
  /** Why this provider was picked (shown in a system_message). */
  reason: string;
  /** Providers for consensus candidates on other providers than the run's, by name. */
  candidateProviders?: Partial<Record<ProviderName, LlmProvider>>;
  /** True when the request named its provider (candidates then stay on a simulated one). */
  explicitProvider?: boolean;
  settings?: ServerSettings | undefined;
  /** The stage cache; null or absent runs without one. The request's `cache: false` turns it off too. */
  cache?: StageCache | null;
  /** Every duration and timer of the run (budgets, stage timeouts, token coalescing). */
  clock: Clock;
  coalesceMs: number;
}

/**
 * Where a run continues from (the seam for taking over a run whose owner died): the `chunk_completed`
 * events already in its log. The walk re-applies them — outputs, reviews, Judges' choices, totals — without
 * emitting anything, and starts at the first step that did not finish; a consensus step that finished only
 * in part runs again as a whole.
 */
export interface ResumePoint {
  completed: readonly Pick<
    ChunkCompletedData,
    'chunk_number' | 'stage' | 'iteration' | 'output' | 'usage' | 'cost' | 'duration_ms' | 'candidate' | 'choice' | 'error'
  >[];
}

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  /** Continue a run after its completed chunks instead of starting it (no task_started is sent). */
  resume?: ResumePoint;
}

type ProgressReason = NonNullable<TaskProgressData['reason']>;

/**
 * Walks the plan — Architect → Coder → Reviewer → (Refiner → Reviewer)* → Documenter, each step a stage or
 * a consensus stage (candidates side by side, then the Judge) — and emits the run's events: task_started,
 * a system_message naming the provider, the planned task_progress, then per chunk chunk_started,
 * token_stream…, chunk_completed and a revised task_progress, and finally task_completed.
 * Failures are thrown (the StreamManager turns them into task_error); after a cancel nothing more is emitted.
 */
export async function runPipeline(ctx: RunContext, deps: PipelineDeps, options: PipelineOptions = {}): Promise<void> {
  await new PipelineRun(ctx, deps).run(options.resume);
}

/** One run's state: the plan as it changes, the totals, and the estimator. */
export class PipelineRun {
  readonly request: TaskRequest;
  readonly context: Record<string, unknown>;
  readonly stages: Record<StageRole, StageSettings>;
  readonly consensus: ConsensusPlan;
  readonly tally = new RunTally();
  private readonly budget: RunBudget;
  private readonly prices: PriceBook;
  private readonly estimator: RunEstimator;
  private readonly startedAt: number;
  private readonly cache: StageCache | null;
  private plan: PlanStep[];
  /** Chunk numbers that have finished, for the estimate of the rest. */
  private readonly done = new Set<number>();
  private lastReview: Review | undefined;
  /** The stage running now, for the time-budget error. */
  private current: StageRole | null = null;

  constructor(
    readonly ctx: RunContext,
    readonly deps: PipelineDeps,
  ) {
    const { provider, settings } = deps;
    this.request = ctx.request;
    this.context = ctx.request.context ?? {};
    this.startedAt = deps.clock.now();
    this.stages = resolveStageSettings({ request: this.request, settings, provider });
    this.consensus = resolveConsensus(this.request, this.stages, { name: provider.name, explicit: deps.explicitProvider ?? false });
    this.plan = planSteps(undefined, this.consensus);
    this.budget = resolveBudget(this.request, settings);
    this.prices = resolveRunPricing({ models: possibleModels(this), settings, maxCost: this.budget.maxCost });
    this.cache = this.request.cache === false ? null : (deps.cache ?? null);
    // With an unknown price the money spent is unknown from the start, not $0 until the first chunk.
    if (planChunks(this.plan).some((c) => this.priceOf(c) === null)) this.tally.cost = null;
    const contextChars = Object.keys(this.context).length ? JSON.stringify(this.context, null, 2).length : 0;
    const promptTokens = {} as Record<StageRole, number>;
    const maxTokens = {} as Record<StageRole, number>;
    for (const definition of Object.values(STAGE_REGISTRY)) {
      // Framing and section headings add a few hundred characters to every prompt.
      promptTokens[definition.role] = approxTokens(definition.system.length + this.request.task.length + contextChars + 300);
      maxTokens[definition.role] = this.stages[definition.role].max_tokens;
    }
    this.estimator = new RunEstimator(promptTokens, maxTokens, expectedSpeed(provider, this.request.provider_options, this.request.task));
  }

  async run(resume?: ResumePoint): Promise<void> {
    const { ctx, budget } = this;
    const deadline = startDeadline(budget.maxSeconds, () => timeBudgetError(this.current, budget.maxSeconds), this.deps.clock);
    const signal = AbortSignal.any([ctx.signal, deadline.signal]);
    try {
      let index = 0;
      if (resume) index = this.resumeFrom(resume);
      else await this.start();
      for (; index < this.plan.length; index++) {
        const step = this.plan[index]!;
        this.current = step.stage;
        if (signal.aborted) throw signal.reason;
        if (budget.maxCost !== null && this.tally.cost !== null && this.tally.cost > budget.maxCost) {
          throw costBudgetError(step.stage, this.tally.cost, budget.maxCost);
        }
        if (step.stage === 'refiner' && !this.timeForAnotherRound(index)) {
          await this.stopRefining(index);
          index--;
          continue;
        }
        await this.runStep(index, step, signal);
      }
    } catch (error) {
      // Out of time once there is code: the run still delivers it, with a warning, instead of failing.
      if (ctx.signal.aborted || !deadline.signal.aborted || error !== deadline.signal.reason || this.tally.code === undefined) {
        throw error;
      }
      await ctx.emit({ event: 'system_message', data: timeRanOutNote(budget.maxSeconds, this.current, this.tally.outputs) });
    } finally {
      deadline.cancel();
    }
    if (ctx.signal.aborted) throw ctx.signal.reason;
    await this.complete();
  }

  /**
   * Whether the time budget leaves room for the refine round starting at step `index` (Refiner, Reviewer —
   * every candidate and Judge of them) and the Documenter after it, estimated from the stage times so far.
   */
  private timeForAnotherRound(index: number): boolean {
    const left = this.budget.maxSeconds - (this.deps.clock.now() - this.startedAt) / 1000;
    const steps = [...this.plan.slice(index, index + 2), ...this.plan.slice(index + 2).filter((s) => s.stage === 'documenter')];
    const needed = this.estimator.estimate(planChunks(steps).map((c) => this.estimateChunk(c))).seconds;
    return needed <= left;
  }

  /** Drops the refine rounds from step `index` on, says so, and revises the plan: the Documenter comes next. */
  private async stopRefining(index: number): Promise<void> {
    const step = this.plan[index]!;
    this.plan = [...this.plan.slice(0, index), ...this.plan.slice(index).filter((s) => s.stage !== 'refiner' && s.stage !== 'reviewer')];
    await this.ctx.emit({ event: 'system_message', data: budgetStopNote(step.iteration, this.budget.maxSeconds) });
    await this.progress('round_dropped');
  }

  private async start(): Promise<void> {
    const { ctx, request, deps } = this;
    const { provider } = deps;
    await ctx.emit({
      event: 'task_started',
      data: {
        task: request.task,
        context: this.context,
        pipeline: toPlannedStages(this.plan, this.stages),
        provider: provider.name,
        model: resolveRunModel({ request, settings: deps.settings, provider }),
        simulated: provider.simulated,
        ...(provider.simulated ? { notice: SIMULATED_LABEL } : {}),
      },
    });
    await ctx.emit({
      event: 'system_message',
      data: {
        message: providerMessage(provider, deps.reason),
        // Falling back to the simulated provider when a real one was wanted deserves attention.
        level: provider.simulated && request.provider !== 'simulated' ? 'warn' : 'info',
      },
    });
    const unpriced = [...new Set(planChunks(this.plan).filter((c) => this.priceOf(c) === null).map((c) => chunkModel(c, this.stages)))];
    if (unpriced.length > 0) await ctx.emit({ event: 'system_message', data: unknownPriceNote(unpriced) });
    await this.progress('plan');
  }

  /** One step: a stage, or a consensus stage whose chosen candidate becomes the stage's output. */
  private async runStep(index: number, step: PlanStep, signal: AbortSignal): Promise<void> {
    const first = firstChunkNumber(this.plan, index);
    const env = this.chunkEnv(signal);
    let output: string;
    if (step.kind === 'stage') {
      const spec = chunksOf(step)[0]!;
      const result = await runChunk(env, this.job(spec, first));
      await this.chunkDone(first, spec, result);
      output = result.output;
    } else {
      output = await runConsensusStep(this, env, step, first);
    }
    this.tally.setOutput(step.stage, output);
    let reason: ProgressReason = 'chunk_completed';
    if (stageDefinition(step.stage).use === 'review') {
      const review = parseReview(output);
      const change = this.applyReview(index, review);
      if (change === 'round_added') reason = 'round_added';
      const note = reviewNote(review, step.iteration, change);
      if (note) await this.ctx.emit({ event: 'system_message', data: note });
    }
    await this.progress(reason);
  }

  private applyReview(index: number, review: Review): ReturnType<typeof replanAfterReview>['change'] {
    this.lastReview = review;
    this.tally.lastScore = review.code_quality_score;
    this.tally.openCriticalIssues = review.parsed ? review.critical_issues.length : 1;
    const next = replanAfterReview(this.plan, index, needsRefine(review), { consensus: this.consensus });
    this.plan = next.plan;
    return next.change;
  }

  /** Environment for {@link runChunk}. */
  chunkEnv(signal: AbortSignal): ChunkRunEnv {
    return {
      ctx: this.ctx,
      signal,
      stageSeconds: this.budget.stageSeconds,
      clock: this.deps.clock,
      coalesceMs: this.deps.coalesceMs,
      cache: this.cache,
    };
  }

  /** The job for one chunk: its provider, its request and its price. */
  job(spec: ChunkSpec, chunkNumber: number, inputs: Partial<PromptInputs> = {}, annotate?: ChunkJob['annotate']): ChunkJob {
    const { tally, request } = this;
    const settings = this.stages[spec.stage];
    const prompt = buildPrompt(spec.stage, {
      task: request.task,
      context: this.context,
      iteration: spec.iteration,
      ...(tally.outputs.architect === undefined ? {} : { design: tally.outputs.architect }),
      ...(tally.code === undefined ? {} : { code: tally.code }),
      ...(this.lastReview === undefined ? {} : { review: this.lastReview }),
      ...inputs,
    });
    const llm: LlmRequest = {
      model: chunkModel(spec, this.stages),
      system: prompt.system,
      messages: prompt.messages,
      temperature: settings.temperature,
      max_tokens: settings.max_tokens,
      stage: spec.stage,
      iteration: spec.iteration,
      task: request.task,
      ...(spec.candidate === undefined ? {} : { candidate: spec.candidate }),
    };
    return {
      spec,
      chunkNumber,
      totalChunks: this.totalChunks(),
      provider: this.providerOf(spec),
      request: llm,
      price: this.priceOf(spec),
      ...(annotate ? { annotate } : {}),
    };
  }

  /**
   * Counts a finished chunk (every candidate and every Judge; `result` is null for a candidate that failed
   * and a Judge that was not needed). The progress after it is the caller's: a step's last chunk waits for
   * the step's outcome (a review may change the plan).
   */
  async chunkDone(chunkNumber: number, spec: ChunkSpec, result: ChunkResult | null): Promise<void> {
    this.done.add(chunkNumber);
    if (result) {
      this.tally.add(result.usage, result.cost, result.duration_ms);
      if (this.cache) {
        if (result.cacheHit) {
          this.tally.cache.hits++;
          this.tally.cache.saved_cost =
            this.tally.cache.saved_cost === null || result.savedCost === null ? null : this.tally.cache.saved_cost + result.savedCost;
          await this.ctx.emit({ event: 'system_message', data: cacheNote(spec, result) });
        } else this.tally.cache.misses++;
      }
      // A replay says nothing about the model's speed or verbosity; skip it.
      if (!result.cacheHit) this.estimator.record({ stage: spec.stage, usage: result.usage, duration_ms: result.duration_ms });
    } else this.tally.chunksCompleted++;
  }

  providerOf(spec: ChunkSpec): LlmProvider {
    const { provider, candidateProviders } = this.deps;
    if (spec.provider === undefined || spec.provider === provider.name) return provider;
    const other = candidateProviders?.[spec.provider];
    if (!other) throw new Error(`no provider ${spec.provider} was prepared for the ${spec.stage} candidates`);
    return other;
  }

  /** A chunk as the estimator sees it: candidates after the first run alongside it. */
  private estimateChunk(chunk: ChunkSpec): EstimateChunk {
    return {
      stage: chunk.stage,
      iteration: chunk.iteration,
      price: this.priceOf(chunk),
      ...(chunk.candidate !== undefined && chunk.candidate > 1 ? { parallel: true } : {}),
      ...(chunk.candidates === undefined ? {} : { candidates: chunk.candidates }),
      ...(chunk.judged === undefined ? {} : { judged: chunk.judged }),
    };
  }

  private priceOf(spec: ChunkSpec) {
    return this.prices.priceOf(this.providerOf(spec), chunkModel(spec, this.stages));
  }

  totalChunks(): number {
    return planChunks(this.plan).length;
  }

  /** Re-applies the completed chunks of a run without emitting; returns the index of the first step to run. */
  private resumeFrom(resume: ResumePoint): number {
    const byNumber = new Map(resume.completed.map((c) => [c.chunk_number, c]));
    let index = 0;
    for (; index < this.plan.length; index++) {
      const step = this.plan[index]!;
      const first = firstChunkNumber(this.plan, index);
      const chunks = chunksOf(step);
      const entries = chunks.map((_, i) => byNumber.get(first + i));
      if (entries.some((e) => e === undefined)) break;
      for (const [i, entry] of entries.entries()) {
        if (!entry) continue;
        this.done.add(first + i);
        this.tally.add(entry.usage, entry.cost, entry.duration_ms);
        this.estimator.record({ stage: entry.stage, usage: entry.usage, duration_ms: entry.duration_ms });
      }
      const judge = entries.at(-1);
      const output =
        step.kind === 'stage'
          ? (entries[0]?.output ?? '')
          : (entries.find((e) => e?.candidate !== undefined && e.candidate === judge?.choice)?.output ?? entries[0]?.output ?? '');
      this.tally.setOutput(step.stage, output);
      if (stageDefinition(step.stage).use === 'review') this.applyReview(index, parseReview(output));
    }
    return index;
  }

  /** task_progress with the estimate for the whole run: what was spent plus what the rest should take. */
  progress(reason: ProgressReason): Promise<void> {
    const { tally } = this;
    const remaining = planChunks(this.plan)
      .filter((_, i) => !this.done.has(i + 1))
      .map((c) => this.estimateChunk(c));
    const estimate = this.estimator.estimate(remaining);
    const elapsed = (this.deps.clock.now() - this.startedAt) / 1000;
    const cost = tally.cost === null || estimate.cost === null ? null : tally.cost + estimate.cost;
    return this.ctx.emit({
      event: 'task_progress',
      data: {
        total_chunks: this.totalChunks(),
        estimated_time: round(elapsed + estimate.seconds, 1),
        estimated_cost: roundCost(cost),
        chunks_completed: tally.chunksCompleted,
        actual_cost: roundCost(tally.cost),
        elapsed: round(elapsed, 3),
        usage: { ...tally.usage },
        reason,
        ...(this.cache ? { cache: { ...tally.cache, saved_cost: roundCost(tally.cache.saved_cost) } } : {}),
      },
    });
  }

  private complete(): Promise<void> {
    const { tally } = this;
    const durationMs = this.deps.clock.now() - this.startedAt;
    return this.ctx.emit({
      event: 'task_completed',
      data: {
        result: tally.code ?? '',
        metrics: tally.metrics(this.totalChunks(), durationMs, this.budget),
        outputs: { ...tally.outputs },
        usage: { ...tally.usage },
        cost: roundCost(tally.cost),
        duration_ms: Math.round(durationMs),
      },
    });
  }
}

/** Every model the run may call, with the most refine rounds: the cost budget needs all their prices. */
function possibleModels(run: PipelineRun): { provider: LlmProvider; model: string }[] {
  return planChunks(planSteps(MAX_REFINE_ROUNDS, run.consensus)).map((chunk) => ({
    provider: run.providerOf(chunk),
    model: chunkModel(chunk, run.stages),
  }));
}
