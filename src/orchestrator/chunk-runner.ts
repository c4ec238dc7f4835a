import type { ChunkCompletedData, EventEnvelope, Usage } from '../protocol/events.js';
import type { LlmProvider, LlmRequest } from '../providers/types.js';
import type { Clock } from '../streams/clock.js';
import type { RunContext } from '../streams/run-function.js';
import type { StageCache } from '../streams/stage-cache.js';
import { type ChunkSpec, describeChunk } from './plan.js';
import { costOf } from './prices.js';
import { retryNote } from './run-messages.js';
import { roundCost } from './run-tally.js';
import type { ModelPrice } from './settings.js';
import { stageCacheKey } from './stage-cache-key.js';
import { stageDefinition } from './stage-registry.js';
import { streamStage } from './stream-stage.js';
import { TokenCoalescer } from './token-coalescer.js';

/** A cache hit's text is replayed in `token_stream` pieces of at most this many characters, at once. */
export const CACHE_REPLAY_PIECE_CHARS = 2048;

/** What the chunk runner needs from its run. */
export interface ChunkRunEnv {
  ctx: RunContext;
  /** Aborted on cancel and on the run's time budget. */
  signal: AbortSignal;
  stageSeconds: number;
  /** The run's clock: durations, the stage timeout and the token coalescer's window. */
  clock: Clock;
  coalesceMs: number;
  /** The stage cache, or null when this run does not use one. */
  cache: StageCache | null;
}

/** One chunk to run: where it sits on the wire, who answers it and what it is asked. */
export interface ChunkJob {
  spec: ChunkSpec;
  chunkNumber: number;
  totalChunks: number;
  provider: LlmProvider;
  request: LlmRequest;
  price: ModelPrice | null;
  /** Extra fields for its `chunk_completed`, from its output (the Judge's choice and reason). */
  annotate?(output: string): Partial<ChunkCompletedData>;
}

/** A finished chunk. */
export interface ChunkResult {
  output: string;
  /** What this run spent: zero for a cache hit. */
  usage: Usage;
  cost: number | null;
  duration_ms: number;
  cacheHit: boolean;
  /** For a cache hit: what the original answer cost and took. */
  savedCost: number | null;
  savedMs: number;
}

/**
 * Runs one chunk: `chunk_started`, its text as `token_stream`, `chunk_completed`. A request answered before
 * is replayed from the stage cache (`cache_hit: true`, no model called, nothing spent); a fresh answer is
 * stored for next time. On failure the partial text is in the log and the error is thrown (after a cancel
 * nothing more is written).
 */
export async function runChunk(env: ChunkRunEnv, job: ChunkJob): Promise<ChunkResult> {
  const { ctx } = env;
  const { spec, chunkNumber } = job;
  const agent = stageDefinition(spec.stage).agent;
  const who = {
    chunk_number: chunkNumber,
    agent,
    stage: spec.stage,
    ...(spec.candidate === undefined ? {} : { candidate: spec.candidate }),
    ...(spec.candidates === undefined ? {} : { candidates: spec.candidates }),
  };
  const key = env.cache ? stageCacheKey(job.provider, job.request, spec.candidate ?? 1) : null;
  const cached = env.cache && key ? await env.cache.get(key) : undefined;
  if (env.signal.aborted) throw env.signal.reason;
  await ctx.emit({
    event: 'chunk_started',
    data: {
      ...who,
      description: describeChunk(spec),
      total_chunks: job.totalChunks,
      iteration: spec.iteration,
      model: job.request.model,
      ...(cached ? { cache_hit: true } : {}),
    },
  });
  const tokenEvent = (tokens: string) => ctx.emit({ event: 'token_stream', data: { tokens, ...who } });

  let result: ChunkResult;
  if (cached) {
    const started = env.clock.now();
    for (let i = 0; i < cached.output.length; i += CACHE_REPLAY_PIECE_CHARS) {
      await tokenEvent(cached.output.slice(i, i + CACHE_REPLAY_PIECE_CHARS));
    }
    result = {
      output: cached.output,
      usage: { input_tokens: 0, output_tokens: 0 },
      cost: 0,
      duration_ms: Math.max(0, env.clock.now() - started),
      cacheHit: true,
      savedCost: costOf(cached.usage, job.price),
      savedMs: cached.duration_ms,
    };
  } else {
    const coalescer = new TokenCoalescer(tokenEvent, { windowMs: env.coalesceMs, clock: env.clock });
    const label = spec.candidate === undefined ? agent : `${agent} candidate ${spec.candidate}`;
    try {
      const outcome = await streamStage({
        provider: job.provider,
        stage: spec.stage,
        signal: env.signal,
        stageSeconds: env.stageSeconds,
        clock: env.clock,
        onText: (text) => coalescer.push(text),
        // A retry is said in the log right away; appends are ordered, and a failed one fails the later writes too.
        onRetry: (notice) => {
          ctx.emit({ event: 'system_message', data: retryNote(label, job.request.model, notice) }).catch(() => {});
        },
        request: job.request,
      });
      await coalescer.flush();
      result = {
        output: outcome.output,
        usage: outcome.usage,
        cost: costOf(outcome.usage, job.price),
        duration_ms: outcome.duration_ms,
        cacheHit: false,
        savedCost: null,
        savedMs: 0,
      };
      if (env.cache && key) {
        await env.cache.set(key, {
          output: outcome.output,
          usage: outcome.usage,
          finish_reason: outcome.finishReason,
          duration_ms: Math.round(outcome.duration_ms),
        });
      }
    } catch (error) {
      // A cancelled run's log is closed: write nothing more. Any other failure keeps the partial text.
      if (ctx.signal.aborted) coalescer.discard();
      else await coalescer.flush();
      throw error;
    }
  }

  const completed: Omit<ChunkCompletedData, keyof EventEnvelope> = {
    ...who,
    output: result.output,
    usage: result.usage,
    cost: roundCost(result.cost),
    duration_ms: Math.round(result.duration_ms),
    iteration: spec.iteration,
    ...(result.cacheHit ? { cache_hit: true, saved_cost: roundCost(result.savedCost), saved_ms: Math.round(result.savedMs) } : {}),
    ...job.annotate?.(result.output),
  };
  await ctx.emit({ event: 'chunk_completed', data: completed });
  return result;
}
