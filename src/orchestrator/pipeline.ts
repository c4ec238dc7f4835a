import {
  AGENT_NAMES,
  type EventEnvelope,
  STAGE_ROLES,
  type StageRole,
  type SystemMessageData,
  type TaskProgressData,
} from '../protocol/events.js';
import type { LlmProvider } from '../providers/types.js';
import type { RunContext } from '../streams/run-function.js';
import { costBudgetError, resolveBudget, startDeadline, timeBudgetError } from './budgets.js';
import { approxTokens, DEFAULT_LATENCY_SECONDS, DEFAULT_TOKENS_PER_SECOND, RunEstimator } from './estimates.js';
import {
  type ChunkSpec,
  describeChunk,
  MAX_REFINE_ROUNDS,
  type PlanChange,
  planChunks,
  replanAfterReview,
  toPlannedStages,
} from './plan.js';
import { costOf } from './prices.js';
import { buildPrompt, SYSTEM_PROMPTS } from './prompts.js';
import { parseReview, type Review } from './review.js';
import { RunTally, round, roundCost } from './run-tally.js';
import { resolveRunPricing } from './run-pricing.js';
import type { ServerSettings } from './settings.js';
import { resolveRunModel, resolveStageSettings } from './stage-settings.js';
import { streamStage } from './stream-stage.js';
import { TokenCoalescer } from './token-coalescer.js';

/** The label the simulated provider carries wherever it is used. */
export const SIMULATED_NOTICE = 'simulated — no model was called';

/** What a pipeline run needs besides the run context. */
export interface PipelineDeps {
  provider: LlmProvider;
  /** Why this provider was picked (shown in a system_message). */
  reason: string;
  settings?: ServerSettings | undefined;
  /** Monotonic milliseconds. */
  now(): number;
  coalesceMs: number;
}

/**
 * Runs Architect → Coder → Reviewer → (Refiner → Reviewer)* → Documenter and emits the run's events:
 * task_started, a system_message naming the provider, the planned task_progress, then per chunk
 * chunk_started, token_stream…, chunk_completed and a revised task_progress, and finally task_completed.
 * Failures are thrown (the StreamManager turns them into task_error); after a cancel nothing more is emitted.
 */
export async function runPipeline(ctx: RunContext, deps: PipelineDeps): Promise<void> {
  const { provider, settings, now } = deps;
  const { request } = ctx;
  const context = request.context ?? {};
  const startedAt = now();
  const stageInput = { request, settings, provider };
  const stages = resolveStageSettings(stageInput);
  const budget = resolveBudget(request, settings);
  const prices = resolveRunPricing({ provider, stages, settings, maxCost: budget.maxCost });

  let current: StageRole | null = null;
  const runDeadline = startDeadline(budget.maxSeconds, () => timeBudgetError(current, budget.maxSeconds));
  const runSignal = AbortSignal.any([ctx.signal, runDeadline.signal]);
  const tally = new RunTally();
  const contextChars = Object.keys(context).length ? JSON.stringify(context, null, 2).length : 0;
  const promptTokens = {} as Record<StageRole, number>;
  for (const role of STAGE_ROLES) {
    // Framing and section headings add a few hundred characters to every prompt.
    promptTokens[role] = approxTokens(SYSTEM_PROMPTS[role].length + request.task.length + contextChars + 300);
  }
  const maxTokens = {} as Record<StageRole, number>;
  for (const role of STAGE_ROLES) maxTokens[role] = stages[role].max_tokens;
  const estimator = new RunEstimator(promptTokens, maxTokens, expectedSpeed(provider, request.provider_options));
  // With an unknown price the money spent is unknown from the start, not $0 until the first chunk.
  if (STAGE_ROLES.some((role) => prices[role] === null)) tally.cost = null;
  let plan: ChunkSpec[] = planChunks();
  let lastReview: Review | undefined;

  const progress = (reason: NonNullable<TaskProgressData['reason']>) => {
    const remaining = plan.slice(tally.chunksCompleted).map((c) => ({ ...c, price: prices[c.stage] }));
    const estimate = estimator.estimate(remaining);
    const elapsed = (now() - startedAt) / 1000;
    const cost = tally.cost === null || estimate.cost === null ? null : tally.cost + estimate.cost;
    return ctx.emit({
      event: 'task_progress',
      data: {
        total_chunks: plan.length,
        estimated_time: round(elapsed + estimate.seconds, 1),
        estimated_cost: roundCost(cost),
        chunks_completed: tally.chunksCompleted,
        actual_cost: roundCost(tally.cost),
        elapsed: round(elapsed, 3),
        usage: { ...tally.usage },
        reason,
      },
    });
  };

  try {
    await ctx.emit({
      event: 'task_started',
      data: {
        task: request.task,
        context,
        pipeline: toPlannedStages(plan, stages),
        provider: provider.name,
        model: resolveRunModel(stageInput),
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
    await progress('plan');

    for (let index = 0; index < plan.length; index++) {
      const chunk = plan[index]!;
      current = chunk.stage;
      if (runSignal.aborted) throw runSignal.reason;
      if (budget.maxCost !== null && tally.cost !== null && tally.cost > budget.maxCost) {
        throw costBudgetError(chunk.stage, tally.cost, budget.maxCost);
      }
      const chunkNumber = index + 1;
      const agent = AGENT_NAMES[chunk.stage];
      const settingsForStage = stages[chunk.stage];
      await ctx.emit({
        event: 'chunk_started',
        data: {
          chunk_number: chunkNumber,
          agent,
          stage: chunk.stage,
          description: describeChunk(chunk),
          total_chunks: plan.length,
          iteration: chunk.iteration,
          model: settingsForStage.model,
        },
      });
      const prompt = buildPrompt(chunk.stage, {
        task: request.task,
        context,
        iteration: chunk.iteration,
        ...(tally.outputs.architect === undefined ? {} : { design: tally.outputs.architect }),
        ...(tally.code === undefined ? {} : { code: tally.code }),
        ...(lastReview === undefined ? {} : { review: lastReview }),
      });
      const coalescer = new TokenCoalescer(
        (tokens) => ctx.emit({ event: 'token_stream', data: { tokens, agent, chunk_number: chunkNumber, stage: chunk.stage } }),
        deps.coalesceMs,
      );
      let outcome: Awaited<ReturnType<typeof streamStage>>;
      try {
        outcome = await streamStage({
          provider,
          stage: chunk.stage,
          signal: runSignal,
          stageSeconds: budget.stageSeconds,
          now,
          onText: (text) => coalescer.push(text),
          request: {
            model: settingsForStage.model,
            system: prompt.system,
            messages: prompt.messages,
            temperature: settingsForStage.temperature,
            max_tokens: settingsForStage.max_tokens,
            stage: chunk.stage,
            iteration: chunk.iteration,
            task: request.task,
          },
        });
      } catch (error) {
        // A cancelled run's log is closed: write nothing more. Any other failure keeps the partial text.
        if (ctx.signal.aborted) coalescer.discard();
        else await coalescer.flush();
        throw error;
      }
      await coalescer.flush();
      const cost = costOf(outcome.usage, prices[chunk.stage]);
      tally.add(chunk.stage, outcome.output, outcome.usage, cost, outcome.duration_ms);
      estimator.record({ stage: chunk.stage, usage: outcome.usage, duration_ms: outcome.duration_ms });
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

      let reason: NonNullable<TaskProgressData['reason']> = 'chunk_completed';
      if (chunk.stage === 'reviewer') {
        lastReview = parseReview(outcome.output);
        tally.lastScore = lastReview.code_quality_score;
        const next = replanAfterReview(plan, index, lastReview.issues_found);
        plan = next.plan;
        if (next.change === 'round_added') reason = 'round_added';
        const note = reviewNote(lastReview, chunk.iteration, next.change);
        if (note) await ctx.emit({ event: 'system_message', data: note });
      }
      await progress(reason);
    }

    if (ctx.signal.aborted) throw ctx.signal.reason;
    const durationMs = now() - startedAt;
    await ctx.emit({
      event: 'task_completed',
      data: {
        result: tally.code ?? '',
        metrics: tally.metrics(plan.length, durationMs),
        outputs: { ...tally.outputs },
        usage: { ...tally.usage },
        cost: roundCost(tally.cost),
        duration_ms: Math.round(durationMs),
      },
    });
  } finally {
    runDeadline.cancel();
  }
}

function providerMessage(provider: LlmProvider, reason: string): string {
  const where = provider.baseUrl ? ` at ${provider.baseUrl}` : '';
  const label = provider.simulated ? ` (${SIMULATED_NOTICE})` : '';
  return `Using provider ${provider.name}${where}${label}: ${reason}`;
}

/** Tells the user what a review decided when it changes the course of the run or cannot be read. */
function reviewNote(review: Review, iteration: number, change: PlanChange): Omit<SystemMessageData, keyof EventEnvelope> | null {
  const parts: string[] = [];
  let level: SystemMessageData['level'] = 'info';
  if (!review.parsed) {
    parts.push('The review was not valid JSON, so it counts as finding issues.');
    level = 'warn';
  }
  if (change === 'round_added') parts.push(`Review ${iteration} found issues: refine round ${iteration} added.`);
  else if (change === 'round_dropped') {
    parts.push(`Review ${iteration} found no critical issues: the planned refine round is skipped.`);
  } else if (review.issues_found && iteration > MAX_REFINE_ROUNDS) {
    parts.push(`Review ${iteration} still found issues after ${MAX_REFINE_ROUNDS} refine rounds: documenting the code as it stands.`);
    level = 'warn';
  }
  return parts.length > 0 ? { message: parts.join(' '), level } : null;
}

/** Speed assumed before any stage ran: the simulated provider's configured rate, or a typical hosted model. */
function expectedSpeed(provider: LlmProvider, options: Record<string, unknown> | undefined) {
  if (provider.simulated) {
    const tps = options?.tokens_per_second;
    return { tokensPerSecond: typeof tps === 'number' && tps > 0 ? tps : Number.POSITIVE_INFINITY, latencySeconds: 0 };
  }
  return { tokensPerSecond: DEFAULT_TOKENS_PER_SECOND, latencySeconds: DEFAULT_LATENCY_SECONDS };
}
