import type { Usage } from '../protocol/events.js';
import type { ProviderName } from '../providers/types.js';
import type { ModelPrice } from './settings.js';

/**
 * List prices in USD per one million tokens (input, output) for common models, as published by their
 * vendors. Deliberately small: a model missing here has an unknown price (reported as `null`), and
 * `settings.prices` adds or corrects entries without a release.
 */
export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = {
  // OpenAI
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  // Anthropic
  'claude-3-haiku': { input: 0.25, output: 1.25 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-3-opus': { input: 15, output: 75 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
};

/** Inputs to {@link lookupPrice}. */
export interface PriceLookup {
  provider: { name: ProviderName; simulated: boolean };
  model: string;
  /** `settings.prices`: overrides by model name, consulted before the built-in table. */
  overrides?: Record<string, ModelPrice> | undefined;
}

const FREE: ModelPrice = { input: 0, output: 0 };

/**
 * The price of a model, or `null` when it is not known (never guessed).
 *
 * The simulated provider calls no model and costs nothing. Ollama runs models on the user's machine, so it
 * has no per-token price either — unless config sets one. Names are matched exactly first, then in a
 * normalised form that drops an OpenRouter vendor prefix (`openai/gpt-4o`), a `-latest` suffix and a
 * dated snapshot suffix (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`), and accepts dots for
 * version separators (`claude-3.5-sonnet`).
 */
export function lookupPrice(lookup: PriceLookup): ModelPrice | null {
  const { provider, model, overrides } = lookup;
  if (provider.simulated) return FREE;
  for (const table of [overrides ?? {}, BUILTIN_PRICES]) {
    const exact = table[model];
    if (exact) return exact;
  }
  const normalised = normaliseModelName(model);
  for (const table of [normaliseKeys(overrides ?? {}), BUILTIN_PRICES]) {
    const found = table[normalised];
    if (found) return found;
  }
  if (provider.name === 'ollama') return FREE;
  return null;
}

/** Lower-cased model name without vendor prefix, `-latest` or date suffix, with `.` read as `-` in versions. */
export function normaliseModelName(model: string): string {
  let name = model.trim().toLowerCase();
  const slash = name.lastIndexOf('/');
  if (slash >= 0) name = name.slice(slash + 1);
  // OpenRouter variants such as `:free` or `:beta` price differently; keep them distinct by not matching.
  name = name.replace(/-latest$/, '');
  name = name.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
  // `claude-3.5-sonnet` (OpenRouter) is `claude-3-5-sonnet` (Anthropic); `gpt-4.1` keeps its dot.
  if (name.startsWith('claude-')) name = name.replace(/(\d)\.(\d)/g, '$1-$2');
  return name;
}

function normaliseKeys(table: Record<string, ModelPrice>): Record<string, ModelPrice> {
  const out: Record<string, ModelPrice> = {};
  for (const [key, price] of Object.entries(table)) out[normaliseModelName(key)] = price;
  return out;
}

/** USD for the given usage at the given price; `null` when the price is unknown. */
export function costOf(usage: Usage, price: ModelPrice | null): number | null {
  if (!price) return null;
  return (usage.input_tokens * price.input + usage.output_tokens * price.output) / 1_000_000;
}

/** Adds costs where an unknown (`null`) part makes the sum unknown. */
export function addCosts(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}
