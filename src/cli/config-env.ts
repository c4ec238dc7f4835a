import { BASE_URL_ENV, KEY_ENV } from '../providers/provider-presets.js';
import { isProviderName } from '../providers/types.js';

type Env = Record<string, string | undefined>;

/**
 * The environment variables that override a top-level config key, strongest first (flags > environment >
 * config file, DESIGN §2); the original design's names come after corch's own.
 */
export const CONFIG_ENV: Readonly<Record<string, readonly string[]>> = {
  baseUrl: ['CORCH_BASE_URL', 'FACILITAIR_API_BASE'],
  apiKey: ['CORCH_API_KEY', 'FAC_API_KEY'],
  provider: ['CORCH_PROVIDER'],
  model: ['CORCH_MODEL'],
  progress: ['CORCH_PROGRESS'],
};

/** The variables that override `key` (a normalised config key), including each provider's key and URL variables. */
export function envVariablesFor(key: string): readonly string[] {
  const top = CONFIG_ENV[key];
  if (top) return top;
  const [head, name, field] = key.split('.');
  if (head !== 'providers' || name === undefined || !isProviderName(name)) return [];
  const variable = field === 'apiKey' ? KEY_ENV[name] : field === 'baseUrl' ? BASE_URL_ENV[name] : undefined;
  return variable ? [variable] : [];
}

/** The variable that is set and overrides `key` now, with its value; undefined when none is. */
export function envOverride(key: string, env: Env): { variable: string; value: string } | undefined {
  for (const variable of envVariablesFor(key)) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}
