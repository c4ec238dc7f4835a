import { CorchError } from '../protocol/errors.js';

/**
 * Checks for `provider_options` values. Options often come from `--provider-option key=value` as text, so
 * decimal strings and `"true"`/`"false"` are accepted next to real numbers and booleans. Every message
 * names the option and the rule.
 */

export function invalidOption(message: string): CorchError {
  return new CorchError('E_INVALID_REQUEST', message, { status: 400 });
}

export function numberOption(key: string, value: unknown, min: number, max: number, integer: boolean): number {
  const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  const unbounded = max === Number.POSITIVE_INFINITY || max === Number.MAX_SAFE_INTEGER;
  const kind = integer ? 'an integer' : 'a number';
  const rule = unbounded ? `${kind} ≥ ${min}` : `${kind} from ${min} to ${max}`;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw invalidOption(`provider option \`${key}\` must be ${rule}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function booleanOption(key: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidOption(`provider option \`${key}\` must be true or false, got ${JSON.stringify(value)}`);
}

export function choiceOption<T extends string>(key: string, value: unknown, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw invalidOption(`provider option \`${key}\` must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}
