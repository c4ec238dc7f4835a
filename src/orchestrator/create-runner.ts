import { CorchError, isCorchError } from '../protocol/errors.js';
import type { TaskRequest } from '../protocol/task-request.js';
import { validateTaskRequest } from '../protocol/validate-task-request.js';
import { openRouterPrices } from '../providers/openrouter-prices.js';
import { createProvider, type ResolvedProvider, type ResolveProviderOptions, resolveProvider } from '../providers/resolve.js';
import type { LlmProvider, ProviderName } from '../providers/types.js';
import { type Clock, systemClock } from '../streams/clock.js';
import type { Runner } from '../streams/run-function.js';
import type { StageCache } from '../streams/stage-cache.js';
import { candidateProviders, resolveConsensus } from './consensus.js';
import { PipelineRun, runPipeline } from './pipeline.js';
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
  /** The stage cache every run uses unless its request says `"cache": false`; none when absent. */
  cache?: StageCache | null;
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

  /**
   * The providers of consensus candidates that run elsewhere than the run's provider (`gpt-4o` next to
   * `claude-sonnet-4-5`), created from the same environment. Provider options belong to the run's provider
   * and are not passed on.
   */
  const candidatesFor = (request: TaskRequest, provider: LlmProvider): Partial<Record<ProviderName, LlmProvider>> => {
    const stages = resolveStageSettings({ request, settings: options.settings, provider });
    const plan = resolveConsensus(request, stages, { name: provider.name, explicit: request.provider !== undefined });
    const out: Partial<Record<ProviderName, LlmProvider>> = {};
    for (const name of candidateProviders(plan, provider.name)) {
      out[name] = createProvider(name, {
        env: options.env,
        ...(options.settings === undefined ? {} : { settings: options.settings }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      });
    }
    return out;
  };

  /** The server's settings, with OpenRouter's listed prices under the configured ones (config wins). */
  const settingsFor = async (provider: LlmProvider): Promise<ServerSettings | undefined> => {
    if (provider.name !== 'openrouter' || provider.baseUrl === null) return options.settings;
    const listed = await openRouterPrices(provider.baseUrl, options.fetch ?? ((input: Parameters<typeof fetch>[0], init?: RequestInit) => globalThis.fetch(input, init)));
    if (Object.keys(listed).length === 0) return options.settings;
    return { ...options.settings, prices: { ...listed, ...options.settings?.prices } };
  };

  const depsFor = (request: TaskRequest, resolved: ResolvedProvider, settings: ServerSettings | undefined) => ({
    provider: resolved.provider,
    reason: resolved.reason,
    candidateProviders: candidatesFor(request, resolved.provider),
    explicitProvider: request.provider !== undefined,
    settings,
    cache: options.cache ?? null,
    clock,
    coalesceMs,
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
      // Candidates' providers (a missing key for one of them) and a cost budget with an unknown model price
      // are refused here, before any stream exists.
      const settings = await settingsFor(resolved.provider);
      try {
        new PipelineRun({ streamId: '', request, signal: new AbortController().signal, emit: async () => {} }, depsFor(request, resolved, settings));
      } catch (error) {
        prepared.delete(request);
        throw asInvalidRequest(error);
      }
    },

    async run(ctx) {
      validateTaskRequest(ctx.request);
      const resolved = await (prepared.get(ctx.request) ?? resolveFor(ctx.request));
      prepared.delete(ctx.request);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      // A run taken over from a server that stopped goes on after the stages its log says were completed.
      const settings = await settingsFor(resolved.provider);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      await runPipeline(ctx, depsFor(ctx.request, resolved, settings), ctx.resume ? { resume: ctx.resume } : {});
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

