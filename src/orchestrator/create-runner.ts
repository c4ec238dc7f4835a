import { CorchError, isCorchError } from '../protocol/errors.js';
import type { TaskRequest } from '../protocol/task-request.js';
import { validateTaskRequest } from '../protocol/validate-task-request.js';
import { type ResolvedProvider, type ResolveProviderOptions, resolveProvider } from '../providers/resolve.js';
import { type Clock, systemClock } from '../streams/clock.js';
import type { Runner } from '../streams/run-function.js';
import { resolveBudget } from './budgets.js';
import { runPipeline } from './pipeline.js';
import { resolveRunPricing } from './run-pricing.js';
import type { ServerSettings } from './settings.js';
import { resolveStageSettings } from './stage-settings.js';
import { DEFAULT_COALESCE_MS } from './token-coalescer.js';

/**
 * Picks and creates the provider for a request and says why: `resolveProvider` from
 * `src/providers/resolve.ts` in production, a stub in tests.
 */
export type ResolveProvider = (input: ResolveProviderOptions) => Promise<ResolvedProvider>;

/** What {@link createRunner} needs from the server: its environment and settings, plus test seams. */
export interface RunnerOptions {
  /** The server's environment (provider keys, base URLs). */
  env: Record<string, string | undefined>;
  settings?: ServerSettings;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Provider resolution; defaults to `resolveProvider` from `src/providers/resolve.ts`. Injected in tests. */
  resolveProvider?: ResolveProvider;
  /**
   * The clock of every run: durations, elapsed time and speed, the time budgets and the token coalescer's
   * window. Defaults to the system clock; tests pass a manual one and move it by hand.
   */
  clock?: Clock;
  /**
   * Token coalescing window in ms (default {@link DEFAULT_COALESCE_MS}, leading-edge: see `TokenCoalescer`);
   * 0 merges only the deltas that arrive within one event-loop turn.
   */
  coalesceMs?: number;
}

/**
 * The run function the server executes: `prepare` checks a request before a stream is created (answering
 * 400 through E_INVALID_REQUEST), `run` executes the pipeline and emits its events.
 */
export function createRunner(options: RunnerOptions): Runner {
  const resolve: ResolveProvider = options.resolveProvider ?? resolveProvider;
  const clock = options.clock ?? systemClock;
  const coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
  // prepare() already created the provider; the run of the same request reuses it instead of resolving
  // (and probing for a local Ollama) twice.
  const prepared = new WeakMap<TaskRequest, Promise<ResolvedProvider>>();

  const resolveFor = (request: TaskRequest): Promise<ResolvedProvider> =>
    resolve({
      ...(request.provider === undefined ? {} : { name: request.provider }),
      env: options.env,
      ...(options.settings === undefined ? {} : { settings: options.settings }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(request.provider_options === undefined ? {} : { providerOptions: request.provider_options }),
    });

  return {
    async prepare(request) {
      validateTaskRequest(request);
      const resolving = resolveFor(request);
      prepared.set(request, resolving);
      let resolved: ResolvedProvider;
      try {
        resolved = await resolving;
      } catch (error) {
        prepared.delete(request);
        throw asInvalidRequest(error);
      }
      // A cost budget with an unknown model price is refused here, before any stream exists.
      const stages = resolveStageSettings({ request, settings: options.settings, provider: resolved.provider });
      resolveRunPricing({
        provider: resolved.provider,
        stages,
        settings: options.settings,
        maxCost: resolveBudget(request, options.settings).maxCost,
      });
    },

    async run(ctx) {
      validateTaskRequest(ctx.request);
      const { provider, reason } = await (prepared.get(ctx.request) ?? resolveFor(ctx.request));
      prepared.delete(ctx.request);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      await runPipeline(ctx, { provider, reason, settings: options.settings, clock, coalesceMs });
    },
  };
}

/**
 * Provider problems found while preparing (an unknown option, a missing key for the named provider) are
 * the request's to fix or the caller's to know about: answer them as a 400 with the provider's message.
 * Anything that is not a CorchError is a bug and stays as it is.
 */
function asInvalidRequest(error: unknown): unknown {
  if (!isCorchError(error) || error.code === 'E_INVALID_REQUEST') return error;
  return new CorchError('E_INVALID_REQUEST', error.message, { cause: error, status: 400, details: error.details });
}

