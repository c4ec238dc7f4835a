import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import { PROVIDER_NAMES, type ProviderName } from '../providers/types.js';
import { configError } from './cli-error.js';
import { isProgressMode, isStageRole, PROGRESS_MODES, type ProgressMode } from './parse-options.js';

/** Per-provider entries under `providers.<name>`. */
export interface ProviderConfig {
  baseUrl?: string;
  apiKey?: string;
  model?: string;
}

/** The config file's shape (camelCase keys, as typed on `corch config set`). */
export interface CorchConfig {
  baseUrl?: string;
  apiKey?: string;
  provider?: ProviderName;
  model?: string;
  progress?: ProgressMode;
  stageModels?: Partial<Record<StageRole, string>>;
  providers?: Partial<Record<ProviderName, ProviderConfig>>;
}

const PROVIDER_FIELDS = ['baseUrl', 'apiKey', 'model'] as const;
const TOP_KEYS = ['baseUrl', 'apiKey', 'provider', 'model', 'progress'] as const;

/**
 * Accepts the kebab-case spelling too (`api-key`, `stage-models.coder`, `providers.openai.base-url`),
 * since that is how the flags are spelled; keys are stored in camelCase.
 */
export function normalizeKey(key: string): string {
  return key
    .trim()
    .split('.')
    .map((part) => part.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()))
    .join('.');
}

type KeyKind = 'url' | 'secret' | 'text' | 'provider' | 'progress';

/** Checks a dotted key and says what kind of value it takes; throws a config error naming the valid keys. */
export function keyKind(key: string): KeyKind {
  const parts = key.split('.');
  const [head, mid, tail] = parts;
  if (parts.length === 1 && head !== undefined && (TOP_KEYS as readonly string[]).includes(head)) {
    if (head === 'baseUrl') return 'url';
    if (head === 'apiKey') return 'secret';
    if (head === 'provider') return 'provider';
    if (head === 'progress') return 'progress';
    return 'text';
  }
  if (parts.length === 2 && head === 'stageModels' && mid !== undefined) {
    if (isStageRole(mid)) return 'text';
    throw configError(`unknown stage "${mid}" in "${key}"; stages are ${STAGE_ROLES.join(', ')}`);
  }
  if (parts.length === 3 && head === 'providers' && mid !== undefined && tail !== undefined) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(mid)) {
      throw configError(`unknown provider "${mid}" in "${key}"; providers are ${PROVIDER_NAMES.join(', ')}`);
    }
    if (tail === 'baseUrl') return 'url';
    if (tail === 'apiKey') return 'secret';
    if (tail === 'model') return 'text';
    throw configError(`unknown key "${key}"; a provider takes ${PROVIDER_FIELDS.map((f) => `providers.${mid}.${f}`).join(', ')}`);
  }
  throw configError(
    `unknown config key "${key}"; keys are ${TOP_KEYS.join(', ')}, stageModels.<role>, providers.<name>.{${PROVIDER_FIELDS.join(',')}}`,
  );
}

/** Validates a value for a key (already known valid); returns it normalised. */
export function checkValue(key: string, value: string): string {
  const kind = keyKind(key);
  const trimmed = value.trim();
  if (trimmed === '') throw configError(`${key} cannot be empty; to remove it run: corch config unset ${key}`);
  switch (kind) {
    case 'url':
      return checkUrl(trimmed, key, configError);
    case 'provider':
      if ((PROVIDER_NAMES as readonly string[]).includes(trimmed)) return trimmed;
      throw configError(`${key} must be one of ${PROVIDER_NAMES.join(', ')}, got "${trimmed}"`);
    case 'progress':
      if (isProgressMode(trimmed)) return trimmed;
      throw configError(`${key} must be one of ${PROGRESS_MODES.join(', ')}, got "${trimmed}"`);
    case 'secret':
    case 'text':
      return trimmed;
  }
}

/** An http(s) URL without a trailing slash, or an error from `make` naming `what`. */
export function checkUrl(value: string, what: string, make: (message: string) => Error): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw make(`${what} must be an http(s) URL such as http://127.0.0.1:8000, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw make(`${what} must be an http(s) URL such as http://127.0.0.1:8000, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

/** Whether a key holds a secret (masked in `list`). */
export function isSecretKey(key: string): boolean {
  return key === 'apiKey' || key.endsWith('.apiKey');
}

/** `sk-…wxyz` for long keys, `****` for short ones: enough to tell keys apart, not enough to use one. */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `${value.slice(0, 3)}…${value.slice(-4)}` : '****';
}

/**
 * Flattens a stored config into `[dotted key, value]` pairs, validating each: a hand-edited file with an
 * unknown key or a bad value gets an error naming the key and the fix.
 */
export function flattenConfig(store: Record<string, unknown>, file: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (value: unknown, prefix: string): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
      return;
    }
    if (typeof value !== 'string') {
      throw configError(`${prefix} in ${file} must be a string; fix it with: corch config set ${prefix} <value>`);
    }
    try {
      out.push([prefix, checkValue(prefix, value)]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw configError(`${file}: ${message} (fix it with corch config set or unset)`);
    }
  };
  walk(store, '');
  return out;
}

/** Rebuilds the typed config from validated pairs. */
export function toConfig(pairs: ReadonlyArray<[string, string]>): CorchConfig {
  const config: CorchConfig = {};
  for (const [key, value] of pairs) {
    const [head, mid, tail] = key.split('.');
    if (head === 'stageModels' && mid !== undefined && isStageRole(mid)) {
      config.stageModels = { ...config.stageModels, [mid]: value };
    } else if (head === 'providers' && mid !== undefined && tail !== undefined) {
      const name = mid as ProviderName;
      config.providers = { ...config.providers, [name]: { ...config.providers?.[name], [tail]: value } };
    } else if (head === 'provider') config.provider = value as ProviderName;
    else if (head === 'progress') config.progress = value as ProgressMode;
    else if (head === 'baseUrl' || head === 'apiKey' || head === 'model') config[head] = value;
  }
  return config;
}
