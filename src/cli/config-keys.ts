import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import type { ModelPrice } from '../orchestrator/settings.js';
import { PROVIDER_NAMES, type ProviderName } from '../providers/types.js';
import { configError } from './cli-error.js';
import { isStageRole, type ProgressFlag } from './parse-options.js';

/** Per-provider entries under `providers.<name>`. */
export interface ProviderConfig {
  baseUrl?: string;
  apiKey?: string;
  model?: string;
}

/** Per-role sampling settings under `stages.<role>` (the model is `stageModels.<role>`). */
export interface StageConfig {
  temperature?: number;
  maxTokens?: number;
}

/** Server-side budget defaults under `budget`; a request's own budget wins. */
export interface BudgetConfig {
  maxSeconds?: number;
  stageSeconds?: number;
  maxCost?: number;
}

/** The config file's shape (camelCase keys, as typed on `corch config set`). */
export interface CorchConfig {
  baseUrl?: string;
  apiKey?: string;
  provider?: ProviderName;
  model?: string;
  progress?: ProgressFlag;
  stageModels?: Partial<Record<StageRole, string>>;
  stages?: Partial<Record<StageRole, StageConfig>>;
  providers?: Partial<Record<ProviderName, ProviderConfig>>;
  /** USD per 1M input/output tokens, by model name exactly as the provider spells it. */
  prices?: Record<string, ModelPrice>;
  budget?: BudgetConfig;
}

const PROVIDER_FIELDS = ['baseUrl', 'apiKey', 'model'] as const;
const STAGE_FIELDS = ['temperature', 'maxTokens'] as const;
const BUDGET_FIELDS = ['maxSeconds', 'stageSeconds', 'maxCost'] as const;
const TOP_KEYS = ['baseUrl', 'apiKey', 'provider', 'model', 'progress'] as const;

/**
 * Model names contain dots and slashes (`gpt-4.1`, `openai/gpt-4o`), so everything after this prefix is one
 * name: `prices.gpt-4.1` is the price of `gpt-4.1`, not a nested `4.1` under `gpt-4`.
 */
const PRICES_PREFIX = 'prices.';

/** Every key pattern, for "unknown key" messages. */
export const KEY_PATTERNS = [
  ...TOP_KEYS,
  'stageModels.<role>',
  `stages.<role>.{${STAGE_FIELDS.join(',')}}`,
  `providers.<name>.{${PROVIDER_FIELDS.join(',')}}`,
  `budget.{${BUDGET_FIELDS.join(',')}}`,
  'prices.<model>',
] as const;

/**
 * Accepts the kebab-case spelling too (`api-key`, `stage-models.coder`, `providers.openai.base-url`),
 * since that is how the flags are spelled; keys are stored in camelCase. A model name after `prices.` is
 * kept exactly as typed (`claude-3.5-sonnet` must not become `claude-3.5Sonnet`).
 */
export function normalizeKey(key: string): string {
  const trimmed = key.trim();
  if (trimmed.startsWith(PRICES_PREFIX)) return trimmed;
  return trimmed
    .split('.')
    .map((part) => part.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()))
    .join('.');
}

/** A normalised key as the path of property names in the file: `prices.gpt-4.1` → `["prices", "gpt-4.1"]`. */
export function keyPath(key: string): string[] {
  if (key.startsWith(PRICES_PREFIX)) return ['prices', key.slice(PRICES_PREFIX.length)];
  return key.split('.');
}

/** The key for a path in the file (the inverse of {@link keyPath}). */
export function pathKey(path: readonly string[]): string {
  return path.join('.');
}

export type KeyKind =
  | 'url'
  | 'secret'
  | 'text'
  | 'provider'
  | 'progress'
  | 'temperature'
  | 'maxTokens'
  | 'seconds'
  | 'cost'
  | 'price';

/** Kinds whose values are numbers: stored as JSON numbers, and accepted as numbers in a hand-edited file. */
export function isNumericKind(kind: KeyKind): boolean {
  return kind === 'temperature' || kind === 'maxTokens' || kind === 'seconds' || kind === 'cost';
}

/** Checks a dotted key and says what kind of value it takes; throws a config error naming the valid keys. */
export function keyKind(key: string): KeyKind {
  const parts = keyPath(key);
  const [head, mid, tail] = parts;
  if (parts.length === 1 && head !== undefined && (TOP_KEYS as readonly string[]).includes(head)) {
    if (head === 'baseUrl') return 'url';
    if (head === 'apiKey') return 'secret';
    if (head === 'provider') return 'provider';
    if (head === 'progress') return 'progress';
    return 'text';
  }
  if (parts.length === 2 && head === 'prices' && mid !== undefined) {
    if (mid.trim() === '') throw configError(`"${key}" needs a model name after "prices.", e.g. prices.gpt-4.1`);
    // Not a model, and writing it would change the prototype of the price table.
    if (mid === '__proto__') throw configError(`"${mid}" is not a model name`);
    return 'price';
  }
  if (parts.length === 2 && head === 'stageModels' && mid !== undefined) {
    checkRole(mid, key);
    return 'text';
  }
  if (parts.length === 3 && head === 'stages' && mid !== undefined && tail !== undefined) {
    checkRole(mid, key);
    if (tail === 'temperature') return 'temperature';
    if (tail === 'maxTokens') return 'maxTokens';
    // One place per setting: the model already has its key, shared with --stage-model.
    if (tail === 'model') throw configError(`a stage's model is set with stageModels.${mid}, not "${key}"`);
    throw configError(`unknown key "${key}"; a stage takes ${STAGE_FIELDS.map((f) => `stages.${mid}.${f}`).join(', ')}`);
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
  if (parts.length === 2 && head === 'budget' && mid !== undefined) {
    if (mid === 'maxCost') return 'cost';
    if (mid === 'maxSeconds' || mid === 'stageSeconds') return 'seconds';
    throw configError(`unknown key "${key}"; the budget keys are ${BUDGET_FIELDS.map((f) => `budget.${f}`).join(', ')}`);
  }
  throw configError(`unknown config key "${key}"; keys are ${KEY_PATTERNS.join(', ')}`);
}

function checkRole(role: string, key: string): asserts role is StageRole {
  if (!isStageRole(role)) throw configError(`unknown stage "${role}" in "${key}"; stages are ${STAGE_ROLES.join(', ')}`);
}

/** Whether a key holds a secret (masked in `list`). */
export function isSecretKey(key: string): boolean {
  return !key.startsWith(PRICES_PREFIX) && (key === 'apiKey' || key.endsWith('.apiKey'));
}

/** `sk-…wxyz` for long keys, `****` for short ones: enough to tell keys apart, not enough to use one. */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `${value.slice(0, 3)}…${value.slice(-4)}` : '****';
}
