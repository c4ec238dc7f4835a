import type { ServerSettings } from '../orchestrator/settings.js';
import { DEFAULT_MODELS, KEY_ENV } from './provider-presets.js';
import { PROVIDER_NAMES, type ProviderName } from './types.js';

/** One provider a server can run, as `GET /api/providers` lists it. */
export interface OfferedProvider {
  name: ProviderName;
  /** The model used when a request names none. */
  default_model: string;
  /** Models worth offering first: the default and any configured for it. Others may still be typed in. */
  models: string[];
  /** Why it is offered: `default`, `key in OPENAI_API_KEY`, `config`, `local`, `offline`. */
  reason: string;
}

/** `GET /api/providers`: what a page or tool may offer for `provider`/`model` on this server. */
export interface ProviderOffer {
  /** The provider a request that names none gets, when the server knows it up front. */
  default_provider: ProviderName | null;
  providers: OfferedProvider[];
}

type Env = Record<string, string | undefined>;

/**
 * The providers this server can run without asking for anything more: the configured default, those whose
 * key is in the environment or the config, a local Ollama when `OLLAMA_HOST` names one, and the offline
 * simulated provider, which always works. Keys themselves are never included.
 */
export function providerOffer(env: Env, settings: ServerSettings = {}): ProviderOffer {
  const providers: OfferedProvider[] = [];
  for (const name of PROVIDER_NAMES) {
    const reason = reasonFor(name, env, settings);
    if (reason === null) continue;
    const configured = settings.providers?.[name]?.model;
    const defaultModel =
      (settings.provider === name ? settings.model : undefined) ?? configured ?? DEFAULT_MODELS[name];
    const models = [...new Set([defaultModel, configured, DEFAULT_MODELS[name]].filter((m): m is string => Boolean(m)))];
    providers.push({ name, default_model: defaultModel, models, reason });
  }
  // The default first: a page preselects the first entry.
  providers.sort((a, b) => Number(b.name === settings.provider) - Number(a.name === settings.provider));
  return { default_provider: settings.provider ?? null, providers };
}

function reasonFor(name: ProviderName, env: Env, settings: ServerSettings): string | null {
  if (settings.provider === name) return 'default';
  if (name === 'simulated') return 'offline';
  const variable = KEY_ENV[name];
  if (variable && env[variable]?.trim()) return `key in ${variable}`;
  if (settings.providers?.[name]?.api_key) return 'config';
  if (name === 'ollama' && env.OLLAMA_HOST?.trim()) return 'local';
  return null;
}
