import type { ProviderName } from './types.js';

/** Models used when neither the request nor config names one; config's `providers.<name>.model` wins. */
export const DEFAULT_MODELS: Readonly<Record<ProviderName, string>> = {
  openai: 'gpt-4o-mini',
  openrouter: 'openai/gpt-4o-mini',
  ollama: 'llama3.2',
  anthropic: 'claude-sonnet-4-5',
  simulated: 'simulated',
};

/** Each provider's usual key variable, as its own SDK reads it. Ollama needs none. */
export const KEY_ENV: Readonly<Partial<Record<ProviderName, string>>> = {
  openai: 'OPENAI_API_KEY',
  openrouter: 'OPENROUTER_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};

/** Each provider's base-URL variable, following its SDK's convention. */
export const BASE_URL_ENV: Readonly<Partial<Record<ProviderName, string>>> = {
  openai: 'OPENAI_BASE_URL',
  openrouter: 'OPENROUTER_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
  ollama: 'OLLAMA_HOST',
};

export const DEFAULT_BASE_URLS: Readonly<Record<Exclude<ProviderName, 'simulated'>, string>> = {
  openai: 'https://api.openai.com/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://127.0.0.1:11434',
};

/** The order in which keys found in the environment pick a provider when none is configured. */
export const KEY_DETECTION_ORDER: readonly ProviderName[] = ['anthropic', 'openai', 'openrouter'];

const OLLAMA_DEFAULT_PORT = '11434';

/**
 * Normalises `OLLAMA_HOST` the way the Ollama CLI reads it: a scheme is optional (`127.0.0.1:11434`,
 * `http://gpu-box`), the port defaults to 11434, and the bind-all address `0.0.0.0` means this machine.
 * Returns the server root (no `/v1`), without a trailing slash.
 */
export function ollamaRoot(host: string | undefined): string {
  const raw = host?.trim() ?? '';
  if (raw === '') return DEFAULT_BASE_URLS.ollama;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const url = new URL(withScheme);
    if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
    if (url.port === '' && !/:\d+(\/|$)/.test(withScheme.replace(/^[a-z]+:\/\//i, ''))) {
      // No explicit port: Ollama's default, unless the scheme is https (a proxy on 443).
      if (url.protocol === 'http:') url.port = OLLAMA_DEFAULT_PORT;
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '').replace(/\/v1$/, '');
  } catch {
    return withScheme.replace(/\/+$/, '');
  }
}

/** Host and port for messages, e.g. `127.0.0.1:11434`. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
