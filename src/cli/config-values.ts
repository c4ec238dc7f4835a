import type { ModelPrice } from '../orchestrator/settings.js';
import { MAX_OUTPUT_TOKENS, MAX_TEMPERATURE } from '../protocol/task-request.js';
import { PROVIDER_NAMES } from '../providers/types.js';
import { configError } from './cli-error.js';
import { isNumericKind, type KeyKind, keyKind } from './config-keys.js';
import { isProgressMode, PROGRESS_MODES } from './parse-options.js';

/**
 * Validates a value for a key (the key is checked too); returns it normalised, as `get` and `list` print
 * it: URLs without a trailing slash, numbers as JavaScript writes them, prices as `input,output`.
 */
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
    case 'temperature': {
      const n = Number(trimmed);
      if (Number.isFinite(n) && n >= 0 && n <= MAX_TEMPERATURE) return String(n);
      throw configError(`${key} must be a number from 0 to ${MAX_TEMPERATURE}, got "${trimmed}"`);
    }
    case 'maxTokens': {
      const n = Number(trimmed);
      // The same cap the server applies to a request's max_tokens, so a config value is never refused there.
      if (Number.isInteger(n) && n >= 1 && n <= MAX_OUTPUT_TOKENS) return String(n);
      throw configError(`${key} must be a whole number from 1 to ${MAX_OUTPUT_TOKENS}, got "${trimmed}"`);
    }
    case 'seconds':
      return String(positive(trimmed, `${key} must be a number of seconds greater than 0`));
    case 'cost':
      return String(positive(trimmed, `${key} must be a number of US dollars greater than 0`));
    case 'price': {
      const price = parsePrice(trimmed, key);
      return `${price.input},${price.output}`;
    }
    case 'secret':
    case 'text':
      return trimmed;
  }
}

/** What is written to the file for a checked value: numbers as JSON numbers, so the file reads naturally. */
export function storedValue(kind: KeyKind, checked: string): string | number {
  return isNumericKind(kind) ? Number(checked) : checked;
}

/** `"2.5,10"` → `{input: 2.5, output: 10}` (USD per 1M tokens), or a config error naming `key`. */
export function parsePrice(value: string, key: string): ModelPrice {
  const parts = value.split(',').map((p) => p.trim());
  const numbers = parts.map(Number);
  const [input, output] = numbers;
  if (
    parts.length !== 2 ||
    parts.some((p) => p === '') ||
    input === undefined ||
    output === undefined ||
    !numbers.every((n) => Number.isFinite(n) && n >= 0)
  ) {
    throw configError(
      `${key} must be "<input>,<output>": USD per 1M input and output tokens, both 0 or more (e.g. 2.5,10), got "${value}"`,
    );
  }
  return { input, output };
}

function positive(value: string, message: string): number {
  const n = Number(value);
  if (Number.isFinite(n) && n > 0) return n;
  throw configError(`${message}, got "${value}"`);
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
