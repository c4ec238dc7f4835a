import { AGENT_NAMES, STAGE_ROLES, type StageRole, type TaskProgressData } from '../protocol/events.js';
import type { TaskRequest } from '../protocol/task-request.js';
import type { LlmProvider, RetryNotice } from '../providers/types.js';
import type { Clock } from '../streams/clock.js';
import type { RunContext } from '../streams/run-function.js';
import { costBudgetError, type RunBudget, resolveBudget, startDeadline, timeBudgetError } from './budgets.js';
import { approxTokens, RunEstimator } from './estimates.js';
import { type ChunkSpec, describeChunk, planChunks, replanAfterReview, toPlannedStages } from './plan.js';
import { costOf } from './prices.js';
import { buildPrompt, SYSTEM_PROMPTS } from './prompts.js';
import { needsRefine, parseReview, type Review } from './review.js';
import {
  budgetStopNote,
  expectedSpeed,
  providerMessage,
  retryNote,
  reviewNote,
  SIMULATED_NOTICE,
  timeRanOutNote,
} from './run-messages.js';
import { resolveRunPricing } from './run-pricing.js';
import { RunTally, round, roundCost } from './run-tally.js';
import type { ModelPrice, ServerSettings } from './settings.js';
import { resolveRunModel, resolveStageSettings, type StageSettings } from './stage-settings.js';
import { type StageOutcome, streamStage } from './stream-stage.js';
import { TokenCoalescer } from './token-coalescer.js';

/** What a pipeline run needs besides the run context. */
export interface PipelineDeps {
  provider: LlmProvider;
  /** Why this provider was picked (shown in a system_message). */
  reason: string;
  settings?: ServerSettings | undefined;
  /** Every duration and timer of the run (budgets, stage timeouts, token coalescing). */
  clock: Clock;
  coalesceMs: number;
}

type ProgressReason = NonNullable<TaskProgressData['reason']>;

/**
 * Runs Architect → Coder → Reviewer → (Refiner → Reviewer)* → Documenter and emits the run's events:
 * task_started, a system_message naming the provider, the planned task_progress, then per chunk
 * chunk_started, token_stream…, chunk_completed and a revised task_progress, and finally task_completed.
 * Failures are thrown (the StreamManager turns them into task_error); after a cancel nothing more is emitted.
 */
export async function runPipeline(ctx: RunContext, deps: PipelineDeps): Promise<void> {
  await new PipelineRun(ctx, deps).run();
}

/** One run's state: the plan as it changes, the totals, and the estimator. */
class PipelineRun {
  private readonly request: TaskRequest;
  private readonly context: Record<string, unknown>;
  private readonly stages: Record<StageRole, StageSettings>;
  private readonly budget: RunBudget;
  private readonly prices: Record<StageRole, ModelPrice | null>;
  private readonly estimator: RunEstimator;
  private readonly tally = new RunTally();
  private readonly startedAt: number;
  private plan: ChunkSpec[] = planChunks();
  private lastReview: Review | undefined;
  /** The stage running now, for the time-budget error. */
  private current: StageRole | null = null;

  constructor(
    private readonly ctx: RunContext,
    private readonly deps: PipelineDeps,
  ) {
    const { provider, settings } = deps;
    this.request = ctx.request;
    this.context = ctx.request.context ?? {};
    this.startedAt = deps.clock.now();
    this.stages = resolveStageSettings({ request: this.request, settings, provider });
    this.budget = resolveBudget(this.request, settings);
    this.prices = resolveRunPricing({ provider, stages: this.stages, settings, maxCost: this.budget.maxCost });
    // With an unknown price the money spent is unknown from the start, not $0 until the first chunk.
    if (STAGE_ROLES.some((role) => this.prices[role] === null)) this.tally.cost = null;
    const contextChars = Object.keys(this.context).length ? JSON.stringify(this.context, null, 2).length : 0;
    const promptTokens = {} as Record<StageRole, number>;
    const maxTokens = {} as Record<StageRole, number>;
    for (const role of STAGE_ROLES) {
      // Framing and section headings add a few hundred characters to every prompt.
      promptTokens[role] = approxTokens(SYSTEM_PROMPTS[role].length + this.request.task.length + contextChars + 300);
      maxTokens[role] = this.stages[role].max_tokens;
    }
    this.estimator = new RunEstimator(promptTokens, maxTokens, expectedSpeed(provider, this.request.provider_options));
  }

  async run(): Promise<void> {
    const { ctx, budget } = this;
    const deadline = startDeadline(budget.maxSeconds, () => timeBudgetError(this.current, budget.maxSeconds), this.deps.clock);
    const signal = AbortSignal.any([ctx.signal, deadline.signal]);
    try {
      await this.start();
      for (let index = 0; index < this.plan.length; index++) {
        const chunk = this.plan[index]!;
        this.current = chunk.stage;
        if (signal.aborted) throw signal.reason;
        if (budget.maxCost !== null && this.tally.cost !== null && this.tally.cost > budget.maxCost) {
          throw costBudgetError(chunk.stage, this.tally.cost, budget.maxCost);
        }
        if (chunk.stage === 'refiner' && !this.timeForAnotherRound(index)) {
          await this.stopRefining(index);
          index--;
          continue;
        }
        await this.runChunk(index, chunk, signal);
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
   * Whether the time budget leaves room for the refine round starting at `index` (Refiner, Reviewer) and
   * the Documenter after it, estimated from the stage times measured so far.
   */
  private timeForAnotherRound(index: number): boolean {
    const left = this.budget.maxSeconds - (this.deps.clock.now() - this.startedAt) / 1000;
    const round = this.plan.slice(index, index + 2);
    const needed = this.estimator.estimate(
      [...round, { stage: 'documenter' as const, iteration: 0 }].map((c) => ({ ...c, price: this.prices[c.stage] })),
    ).seconds;
    return needed <= left;
  }

  /** Drops the refine rounds from `index` on, says so, and revises the plan: the Documenter comes next. */
  private async stopRefining(index: number): Promise<void> {
    const chunk = this.plan[index]!;
    this.plan = [...this.plan.slice(0, index), ...this.plan.slice(index).filter((c) => c.stage !== 'refiner' && c.stage !== 'reviewer')];
    await this.ctx.emit({ event: 'system_message', data: budgetStopNote(chunk.iteration, this.budget.maxSeconds) });
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
        ...(provider.simulated ? { notice: SIMULATED_NOTICE } : {}),
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
    await this.progress('plan');
  }

  /** One chunk: chunk_started, the streamed tokens, chunk_completed, and the revised progress. */
  private async runChunk(index: number, chunk: ChunkSpec, signal: AbortSignal): Promise<void> {
    const { ctx, tally } = this;
    const chunkNumber = index + 1;
    const agent = AGENT_NAMES[chunk.stage];
    const settings = this.stages[chunk.stage];
    await ctx.emit({
      event: 'chunk_started',
      data: {
        chunk_number: chunkNumber,
        agent,
        stage: chunk.stage,
        description: describeChunk(chunk),
        total_chunks: this.plan.length,
        iteration: chunk.iteration,
        model: settings.model,
      },
    });
    const coalescer = new TokenCoalescer(
      (tokens) => ctx.emit({ event: 'token_stream', data: { tokens, agent, chunk_number: chunkNumber, stage: chunk.stage } }),
      { windowMs: this.deps.coalesceMs, clock: this.deps.clock },
    );
    const outcome = await this.stream(chunk, settings, signal, coalescer);
    const cost = costOf(outcome.usage, this.prices[chunk.stage]);
    tally.add(chunk.stage, outcome.output, outcome.usage, cost, outcome.duration_ms);
    this.estimator.record({ stage: chunk.stage, usage: outcome.usage, duration_ms: outcome.duration_ms });
    await ctx.emit({
      event: 'chunk_completed',
      data: {
        chunk_number: chunkNumber,
        agent,
        output: outcome.output,
        stage: chunk.stage,
        usage: outcome.usage,
        cost: roundCost(cost),
        duration_ms: Math.round(outcome.duration_ms),
        iteration: chunk.iteration,
      },
    });
    let reason: ProgressReason = 'chunk_completed';
    if (chunk.stage === 'reviewer') {
      const review = parseReview(outcome.output);
      this.lastReview = review;
      tally.lastScore = review.code_quality_score;
      tally.openCriticalIssues = review.parsed ? review.critical_issues.length : 1;
      const next = replanAfterReview(this.plan, index, needsRefine(review));
      this.plan = next.plan;
      if (next.change === 'round_added') reason = 'round_added';
      const note = reviewNote(review, chunk.iteration, next.change);
      if (note) await ctx.emit({ event: 'system_message', data: note });
    }
    await this.progress(reason);
  }

  /** Streams the chunk's stage through the coalescer; all text is in the log before this returns or throws. */
  private async stream(
    chunk: ChunkSpec,
    settings: StageSettings,
    signal: AbortSignal,
    coalescer: TokenCoalescer,
  ): Promise<StageOutcome> {
    const { request, tally } = this;
    const prompt = buildPrompt(chunk.stage, {
      task: request.task,
      context: this.context,
      iteration: chunk.iteration,
      ...(tally.outputs.architect === undefined ? {} : { design: tally.outputs.architect }),
      ...(tally.code === undefined ? {} : { code: tally.code }),
      ...(this.lastReview === undefined ? {} : { review: this.lastReview }),
    });
    let outcome: StageOutcome;
    try {
      outcome = await streamStage({
        provider: this.deps.provider,
        stage: chunk.stage,
        signal,
        stageSeconds: this.budget.stageSeconds,
        clock: this.deps.clock,
        onText: (text) => coalescer.push(text),
        onRetry: (notice) => this.retrying(chunk, settings.model, notice),
        request: {
          model: settings.model,
          system: prompt.system,
          messages: prompt.messages,
          temperature: settings.temperature,
          max_tokens: settings.max_tokens,
          stage: chunk.stage,
          iteration: chunk.iteration,
          task: request.task,
        },
      });
    } catch (error) {
      // A cancelled run's log is closed: write nothing more. Any other failure keeps the partial text.
      if (this.ctx.signal.aborted) coalescer.discard();
      else await coalescer.flush();
      throw error;
    }
    await coalescer.flush();
    return outcome;
  }

  /** A provider retry: said in the log right away (nothing of the stage has been written yet). */
  private retrying(chunk: ChunkSpec, model: string, notice: RetryNotice): void {
    // Appends are ordered by the stream; a failed one fails the stage's later writes too, which report it.
    this.ctx.emit({ event: 'system_message', data: retryNote(AGENT_NAMES[chunk.stage], model, notice) }).catch(() => {});
  }

  /** task_progress with the estimate for the whole run: what was spent plus what the rest should take. */
  private progress(reason: ProgressReason): Promise<void> {
    const { tally } = this;
    const remaining = this.plan.slice(tally.chunksCompleted).map((c) => ({ ...c, price: this.prices[c.stage] }));
    const estimate = this.estimator.estimate(remaining);
    const elapsed = (this.deps.clock.now() - this.startedAt) / 1000;
    const cost = tally.cost === null || estimate.cost === null ? null : tally.cost + estimate.cost;
    return this.ctx.emit({
      event: 'task_progress',
      data: {
        total_chunks: this.plan.length,
        estimated_time: round(elapsed + estimate.seconds, 1),
        estimated_cost: roundCost(cost),
        chunks_completed: tally.chunksCompleted,
        actual_cost: roundCost(tally.cost),
        elapsed: round(elapsed, 3),
        usage: { ...tally.usage },
        reason,
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
        metrics: tally.metrics(this.plan.length, durationMs),
        outputs: { ...tally.outputs },
        usage: { ...tally.usage },
        cost: roundCost(tally.cost),
        duration_ms: Math.round(durationMs),
      },
    });
  }
}

