import { CorchError } from '../protocol/errors.js';
import { nextTurn, type Sleep, sleepWithSignal, throwIfAborted, waitForAbort } from './abort.js';
import { estimateTokens } from './estimate-tokens.js';
import { deriveSubject, splitIntoTokens } from './simulated-names.js';
import { parseSimulatedOptions, type SimulatedOptions } from './simulated-options.js';
import { simulatedStageText } from './simulated-text.js';
import type { LlmPart, LlmProvider, LlmRequest } from './types.js';

/** The outside world of the simulated provider, injected so tests of throttling need no real waiting. */
export interface SimulatedDeps {
  /** Defaults to real timers. */
  sleep?: Sleep;
  /** Milliseconds; defaults to `performance.now`. */
  now?: () => number;
}

const MS_PER_SECOND = 1000;

/**
 * Creates the offline, deterministic provider used for first runs, tests and benchmarks. It never calls a
 * model: it writes role-appropriate text built from `request.task`, `request.stage` and `request.iteration`,
 * and every output says "simulated — no model was called".
 *
 * `options` are the request's `provider_options` (see {@link SimulatedOptions}); an unknown key or a bad
 * value throws CorchError `E_INVALID_REQUEST` here, at creation.
 *
 * Abort: when `signal` aborts, `stream` throws `signal.reason` as is (the orchestrator's CorchError, or a
 * DOMException `AbortError` for a bare `abort()`), at once — also while throttled or hanging.
 */
export function createSimulatedProvider(options?: Record<string, unknown>, deps: SimulatedDeps = {}): LlmProvider {
  const opts = parseSimulatedOptions(options);
  const sleep = deps.sleep ?? sleepWithSignal;
  const now = deps.now ?? (() => performance.now());
  return {
    name: 'simulated',
    defaultModel: 'simulated',
    simulated: true,
    baseUrl: null,
    // Pacing and failure options change how the text arrives, not what it says.
    answerOptions: { review_rounds: opts.review_rounds },
    stream: (request, { signal }) => streamSimulated(request, signal, opts, sleep, now),
  };
}

function promptText(request: LlmRequest): string {
  return [request.system, ...request.messages.map((m) => m.content)].join('\n');
}

function taskText(request: LlmRequest): string {
  if (request.task !== undefined) return request.task;
  // Without the task hint, the first user message is the best stand-in for it.
  return request.messages.find((m) => m.role === 'user')?.content.split('\n')[0] ?? '';
}

async function* streamSimulated(
  request: LlmRequest,
  signal: AbortSignal,
  opts: SimulatedOptions,
  sleep: Sleep,
  now: () => number,
): AsyncGenerator<LlmPart> {
  throwIfAborted(signal);
  const text = simulatedStageText(request.stage, deriveSubject(taskText(request)), request.iteration ?? 1, opts.review_rounds, request.candidate);
  const all = splitIntoTokens(text);
  // Like a real model, stop at max_tokens and say so.
  const truncated = request.max_tokens > 0 && all.length > request.max_tokens;
  const tokens = truncated ? all.slice(0, request.max_tokens) : all;
  const failing = opts.fail_stage !== null && opts.fail_stage === request.stage;
  const count = failing ? Math.min(opts.fail_after_tokens, tokens.length) : tokens.length;
  const intervalMs = opts.tokens_per_second > 0 ? MS_PER_SECOND / opts.tokens_per_second : 0;
  const start = now();

  for (let i = 0; i < count; i++) {
    if (intervalMs > 0) {
      // Pace against the start time rather than sleeping a fixed interval, so timer lag does not add up.
      const waitMs = start + i * intervalMs - now();
      if (waitMs > 0) await sleep(waitMs, signal);
    } else if (i > 0 && i % opts.burst === 0) {
      // Unthrottled output still gives the event loop a turn every `burst` deltas, so a cancel or a
      // heartbeat gets through.
      await nextTurn();
    }
    throwIfAborted(signal);
    yield { type: 'text-delta', text: tokens[i] ?? '' };
    throwIfAborted(signal);
  }

  if (failing) {
    if (opts.fail_mode === 'hang') await waitForAbort(signal);
    throw new CorchError(
      'E_SIMULATED_FAILURE',
      `simulated failure in the ${request.stage} stage after ${count} tokens (provider option fail_stage=${request.stage})`,
      { retryable: opts.fail_retryable, details: { stage: request.stage ?? null, after_tokens: count } },
    );
  }

  yield {
    type: 'finish',
    usage: { input_tokens: estimateTokens(promptText(request).length), output_tokens: tokens.length },
    finishReason: truncated ? 'length' : 'stop',
  };
}

/**
 * Output tokens the simulated provider writes for `stage` on `task` (first round), so a simulated run's
 * first estimate is what it will take, not a guess scaled from `max_tokens`.
 */
export function simulatedOutputTokens(stage: string, task: string, options?: Record<string, unknown>): number {
  const opts = parseSimulatedOptions(options);
  return splitIntoTokens(simulatedStageText(stage, deriveSubject(task), 1, opts.review_rounds)).length;
}
