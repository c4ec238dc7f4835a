import type { ServerSettings } from '../orchestrator/settings.js';
import { CorchError } from '../protocol/errors.js';
import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import { createAnthropicProvider } from './anthropic.js';
import { parseHttpProviderOptions } from './http-provider-options.js';
import { OLLAMA_PROBE_TIMEOUT_MS, pickOllamaModel, probeOllama } from './ollama-probe.js';
import { createOpenAiCompatibleProvider } from './openai-compatible.js';
import {
  BASE_URL_ENV,
  DEFAULT_BASE_URLS,
  DEFAULT_MODELS,
  hostOf,
  KEY_DETECTION_ORDER,
  KEY_ENV,
  ollamaRoot,
} from './provider-presets.js';
import { createSimulatedProvider } from './simulated.js';
import { isProviderName, type LlmProvider, PROVIDER_NAMES, type ProviderName } from './types.js';

type Env = Record<string, string | undefined>;

/** Inputs of {@link createProvider}. */
export interface CreateProviderOptions {
  /** The server's environment: keys and base URLs are read from it, never from `process`. */
  env: Env;
  settings?: ServerSettings;
  fetch?: typeof fetch;
  /** The request's `provider_options`, checked against what the provider understands. */
  providerOptions?: Record<string, unknown>;
}

/** Inputs of {@link resolveProvider}. */
export interface ResolveProviderOptions extends CreateProviderOptions {
  /** A provider asked for by name (request or flag); absent lets resolution pick. */
  name?: string;
  /** How long to wait for a local Ollama; default 300 ms. */
  probeTimeoutMs?: number;
}

/** A picked provider and the sentence telling the user why (for `system_message`). */
export interface ResolvedProvider {
  provider: LlmProvider;
  reason: string;
}

// A local model may need a while to load into memory before its first token.
const OLLAMA_FIRST_TOKEN_TIMEOUT_MS = 120_000;

function envValue(env: Env, key: string | undefined): string | undefined {
  const value = key === undefined ? undefined : env[key]?.trim();
  return value === '' ? undefined : value;
}

/** Environment first, then config: flags > environment > config file (DESIGN.md §2). */
function keyFor(name: ProviderName, opts: CreateProviderOptions): { key: string | null; hint: string | null } {
  const variable = KEY_ENV[name];
  const fromEnv = envValue(opts.env, variable);
  if (fromEnv !== undefined) return { key: fromEnv, hint: variable ?? null };
  const fromConfig = opts.settings?.providers?.[name]?.api_key?.trim();
  if (fromConfig) return { key: fromConfig, hint: `providers.${name}.apiKey in the config` };
  return { key: null, hint: variable ?? null };
}

function baseUrlFor(name: Exclude<ProviderName, 'simulated'>, opts: CreateProviderOptions): string {
  const configured = envValue(opts.env, BASE_URL_ENV[name]) ?? opts.settings?.providers?.[name]?.base_url?.trim();
  if (name === 'ollama') return `${ollamaRoot(configured)}/v1`;
  return (configured || DEFAULT_BASE_URLS[name]).replace(/\/+$/, '');
}

/**
 * Creates a provider by name. Throws (at creation, so a misconfigured server fails before a stream is
 * created):
 * - `E_INVALID_REQUEST` for an unknown name (listing the valid ones) or invalid `providerOptions`;
 * - `E_PROVIDER_AUTH` when `openai`, `openrouter` or `anthropic` would call the vendor's own host with
 *   no key, naming the variable to set. A custom base URL (vLLM, llama.cpp, LM Studio, a proxy) may run
 *   without a key; then no key header is sent.
 */
export function createProvider(name: string, opts: CreateProviderOptions): LlmProvider {
  if (!isProviderName(name)) {
    throw new CorchError('E_INVALID_REQUEST', `unknown provider "${name}"; valid providers: ${PROVIDER_NAMES.join(', ')}`, {
      status: 400,
    });
  }
  if (name === 'simulated') return createSimulatedProvider(opts.providerOptions);

  const http = parseHttpProviderOptions(name, opts.providerOptions);
  const baseUrl = baseUrlFor(name, opts);
  const { key, hint } = keyFor(name, opts);
  if (key === null && name !== 'ollama' && baseUrl === DEFAULT_BASE_URLS[name]) {
    throw new CorchError(
      'E_PROVIDER_AUTH',
      `the ${name} provider needs an API key for ${baseUrl}: set ${KEY_ENV[name]} (or providers.${name}.apiKey in the config)`,
      { details: { provider: name, key_variable: KEY_ENV[name] ?? null, url: baseUrl } },
    );
  }
  const common = {
    baseUrl,
    apiKey: key,
    keyHint: hint,
    defaultModel: opts.settings?.providers?.[name]?.model?.trim() || DEFAULT_MODELS[name],
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    retry: http.retry ?? {},
  };
  switch (name) {
    case 'anthropic':
      return createAnthropicProvider({ ...common, timeouts: http.timeouts ?? {} });
    case 'ollama':
      return createOpenAiCompatibleProvider({
        ...common,
        name,
        timeouts: { firstTokenMs: OLLAMA_FIRST_TOKEN_TIMEOUT_MS, ...http.timeouts },
      });
    case 'openrouter':
      // OpenRouter's optional attribution header: shows the app's name on the user's activity page.
      return createOpenAiCompatibleProvider({ ...common, name, timeouts: http.timeouts ?? {}, headers: { 'X-Title': 'corch' } });
    case 'openai':
      return createOpenAiCompatibleProvider({ ...common, name, timeouts: http.timeouts ?? {} });
  }
}

function using(provider: LlmProvider, why: string): ResolvedProvider {
  // "using simulated — no model was called: …", so the label travels with every mention of it.
  return { provider, reason: `using ${provider.simulated ? SIMULATED_LABEL : provider.name}: ${why}` };
}

/**
 * Picks the provider for a run, in this order, and says why:
 * 1. `name`, when given (the request's `provider` or `--provider`);
 * 2. `settings.provider` (config);
 * 3. the first key found in the environment (or config), in the order ANTHROPIC_API_KEY, OPENAI_API_KEY,
 *    OPENROUTER_API_KEY;
 * 4. `OPENAI_BASE_URL` pointing at a server of your own (vLLM, llama.cpp, LM Studio), key or not;
 * 5. a local Ollama answering `GET /api/tags` within `probeTimeoutMs` at OLLAMA_HOST or 127.0.0.1:11434,
 *    with the default model if installed, else the first installed one;
 * 6. `simulated` — which calls no model, and the reason says so.
 * Errors from steps 1–2 (unknown name, missing key, bad options) are thrown, not skipped: the user asked.
 */
export async function resolveProvider(opts: ResolveProviderOptions): Promise<ResolvedProvider> {
  const name = opts.name?.trim();
  const configured = opts.settings?.provider;
  // The embedded server's settings say where the CLI found the provider; the request names it too.
  const source = opts.settings?.provider_source;
  if (name) return using(createProvider(name, opts), name === configured && source ? `from ${source}` : 'named in the request');
  if (configured) return using(createProvider(configured, opts), source ? `from ${source}` : "the server's default provider");

  for (const candidate of KEY_DETECTION_ORDER) {
    const { key, hint } = keyFor(candidate, opts);
    if (key !== null) return using(createProvider(candidate, opts), `no provider configured; ${hint} is set`);
  }
  const ownOpenAi = baseUrlFor('openai', opts);
  if (ownOpenAi !== DEFAULT_BASE_URLS.openai) {
    return using(createProvider('openai', opts), `no provider configured; an OpenAI-compatible server is configured at ${ownOpenAi}`);
  }

  const root = baseUrlFor('ollama', opts).replace(/\/v1$/, '');
  const probe = await probeOllama(root, opts.fetch ?? ((input, init) => globalThis.fetch(input, init)), opts.probeTimeoutMs ?? OLLAMA_PROBE_TIMEOUT_MS);
  const noKeys = `no API key in the environment (${KEY_DETECTION_ORDER.map((p) => KEY_ENV[p]).join(', ')})`;
  let ollamaNote = `no Ollama on ${hostOf(root)}`;
  if (probe.running) {
    const wanted = opts.settings?.providers?.ollama?.model?.trim() || DEFAULT_MODELS.ollama;
    const model = pickOllamaModel(probe.models, wanted);
    if (model !== undefined) {
      const settings: ServerSettings = {
        ...opts.settings,
        providers: { ...opts.settings?.providers, ollama: { ...opts.settings?.providers?.ollama, model } },
      };
      const provider = createProvider('ollama', { ...opts, settings });
      return using(provider, `no provider configured, ${noKeys}; Ollama answered on ${hostOf(root)} (model ${model})`);
    }
    ollamaNote = `Ollama on ${hostOf(root)} has no models installed (try \`ollama pull ${DEFAULT_MODELS.ollama}\`)`;
  }
  return using(createProvider('simulated', opts), `no provider configured, ${noKeys}, ${ollamaNote}`);
}
