import { CorchError, isCorchError } from '../protocol/errors.js';
import type { StageRole, Usage } from '../protocol/events.js';
import type { FinishReason, LlmProvider, LlmRequest, RetryNotice } from '../providers/types.js';
import type { Clock } from '../streams/clock.js';
import { stageTimeoutError, startDeadline } from './budgets.js';

/** Inputs to {@link streamStage}. */
export interface StreamStageInput {
  provider: LlmProvider;
  request: LlmRequest;
  stage: StageRole;
  /** Aborted on cancel or when the run's time budget runs out; its reason says which. */
  signal: AbortSignal;
  stageSeconds: number;
  /** Receives every text delta, in order, as it arrives. */
  onText(text: string): void;
  /** The run's clock: durations and the stage timeout. */
  clock: Clock;
  /** Told before each provider retry (a rate limit, an unavailable server), so the run can say so. */
  onRetry?: ((notice: RetryNotice) => void) | undefined;
}

/** What a finished stage produced. */
export interface StageOutcome {
  output: string;
  usage: Usage;
  finishReason: FinishReason;
  duration_ms: number;
}

/**
 * Streams one stage from the provider. The provider gets a signal that aborts on cancel, on the run's time
 * budget and on this stage's timeout; each wait for the next delta is also raced against that signal, so
 * the run stops at once even when a provider is slow to honour it.
 *
 * When the signal aborted, its reason (a CorchError: E_CANCELLED, E_SHUTDOWN, E_TIME_BUDGET or
 * E_STAGE_TIMEOUT) is thrown as is; a provider failure is thrown as a CorchError carrying the stage.
 */
export async function streamStage(input: StreamStageInput): Promise<StageOutcome> {
  const { provider, request, stage, onText, clock } = input;
  const started = clock.now();
  const deadline = startDeadline(input.stageSeconds, () => stageTimeoutError(stage, input.stageSeconds), clock);
  const signal = AbortSignal.any([input.signal, deadline.signal]);
  let output = '';
  let finish: { usage: Usage; finishReason: FinishReason } | undefined;
  let iterator: AsyncIterator<unknown> | undefined;
  const aborted = abortRacer(signal);
  try {
    const parts = provider.stream(request, { signal, ...(input.onRetry ? { onRetry: input.onRetry } : {}) });
    const it = parts[Symbol.asyncIterator]();
    iterator = it;
    for (;;) {
      const step = await aborted.race(it.next());
      if (step.done) break;
      const part = step.value;
      if (part.type === 'text-delta') {
        output += part.text;
        onText(part.text);
      } else if (part.type === 'finish') {
        finish = { usage: part.usage, finishReason: part.finishReason };
      }
    }
    iterator = undefined;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw withStage(error, stage);
  } finally {
    aborted.dispose();
    deadline.cancel();
    // Closing a provider's iterator releases its request; after an abort it may be stuck, so don't wait.
    iterator?.return?.().catch(() => {});
  }
  if (!finish) {
    throw new CorchError('E_PROVIDER_STREAM', `The ${stage} stage's response ended without a finish (usage) part.`, {
      retryable: true,
      details: { stage },
    });
  }
  return { output, ...finish, duration_ms: Math.max(0, clock.now() - started) };
}

/**
 * Races each wait for the next delta against `signal` with one abort listener for the whole stage: adding
 * and removing a listener per delta (EventTarget work) cost about a tenth of a fast run's CPU, and
 * `Promise.race` against one long-lived promise would pile a reaction onto it per delta.
 */
function abortRacer(signal: AbortSignal): { race<T>(promise: Promise<T>): Promise<T>; dispose(): void } {
  let rejectWait: ((reason: unknown) => void) | undefined;
  const onAbort = () => rejectWait?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    race<T>(promise: Promise<T>): Promise<T> {
      if (signal.aborted) {
        promise.catch(() => {});
        return Promise.reject(signal.reason);
      }
      return new Promise<T>((resolve, reject) => {
        rejectWait = reject;
        promise.then(resolve, reject);
      });
    },
    dispose: () => {
      rejectWait = undefined;
      signal.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The provider's error, with the stage added to its details so `task_error.stage` can be filled in. Its
 * code, message and `retryable` flag are kept: the provider knows best whether a retry could help.
 */
export function withStage(error: unknown, stage: StageRole): CorchError {
  if (isCorchError(error)) {
    const details = typeof error.details === 'string' ? { message: error.details } : (error.details ?? {});
    return new CorchError(error.code, error.message, {
      cause: error,
      retryable: error.retryable,
      ...(error.status === undefined ? {} : { status: error.status }),
      details: { ...details, stage },
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CorchError('E_RUN_FAILED', `The ${stage} stage failed: ${message}`, {
    cause: error,
    retryable: false,
    details: { stage },
  });
}
