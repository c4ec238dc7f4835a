import { PROVIDER_NAMES, type ProviderName } from './types.js';

/** A consensus candidate's model with the provider that serves it. */
export interface ModelRoute {
  provider: ProviderName;
  model: string;
}

/** What {@link routeModel} knows about the run's own provider. */
export interface RunProviderInfo {
  name: ProviderName;
  /** True when the request (or flag) named the provider, rather than resolution picking it. */
  explicit: boolean;
}

/**
 * Which provider serves a candidate model given by name (`--consensus coder=gpt-4o,claude-sonnet-4-5,…`):
 * 1. an explicit `provider:` prefix (`ollama:qwen2.5-coder`, `openrouter:openai/gpt-4o`);
 * 2. every model stays on the run's provider when that provider serves any model name: OpenRouter (all
 *    families), or a simulated provider the request asked for by name (an offline run stays offline);
 * 3. the model's family: `claude-…` is Anthropic, `gpt-…`, `o1…`, `o3…`, `o4…`, `chatgpt-…` OpenAI, and a
 *    `vendor/model` name OpenRouter;
 * 4. otherwise the run's own provider (a local Ollama model, a model on your own OpenAI-compatible server).
 */
export function routeModel(model: string, run: RunProviderInfo): ModelRoute {
  const colon = model.indexOf(':');
  if (colon > 0) {
    const prefix = model.slice(0, colon);
    if ((PROVIDER_NAMES as readonly string[]).includes(prefix) && colon < model.length - 1) {
      return { provider: prefix as ProviderName, model: model.slice(colon + 1) };
    }
  }
  if (run.name === 'openrouter' || (run.name === 'simulated' && run.explicit)) return { provider: run.name, model };
  const family = familyOf(model);
  return { provider: family ?? run.name, model };
}

function familyOf(model: string): ProviderName | null {
  const name = model.toLowerCase();
  if (name.startsWith('claude-')) return 'anthropic';
  if (/^(gpt-|chatgpt-|o[134](-|$))/.test(name)) return 'openai';
  if (name.includes('/')) return 'openrouter';
  return null;
}
