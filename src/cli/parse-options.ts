import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import { usageError } from './cli-error.js';

/** The `--progress` modes; `auto` picks `tty` or `plain` for the terminal at hand. */
export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json', 'quiet'] as const;
/** `--progress` as given, `auto` included (the renderers' `ProgressMode` is what `auto` resolves to). */
export type ProgressFlag = (typeof PROGRESS_MODES)[number];

export function isProgressMode(value: string): value is ProgressFlag {
  return (PROGRESS_MODES as readonly string[]).includes(value);
}

export function isStageRole(value: string): value is StageRole {
  return (STAGE_ROLES as readonly string[]).includes(value);
}

/** `--progress` (or `CORCH_PROGRESS`, or config) → a known mode, or a usage error naming where it came from. */
export function parseProgress(value: string, source = '--progress'): ProgressFlag {
  if (isProgressMode(value)) return value;
  throw usageError(`${source} must be one of ${PROGRESS_MODES.join(', ')}, got "${value}"`);
}

/** The `--transport` values of `attach`: how the CLI reads the stream. */
export const TRANSPORTS = ['sse', 'ws'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** `--transport` → `sse` (the default when unset) or `ws`, or a usage error. */
export function parseTransport(value: string | undefined): Transport {
  if (value === undefined) return 'sse';
  if ((TRANSPORTS as readonly string[]).includes(value)) return value as Transport;
  throw usageError(`--transport must be one of ${TRANSPORTS.join(', ')}, got "${value}"`);
}

/** The optional context argument: must be a JSON object (arrays and scalars are refused). */
export function parseContext(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(`the context must be a JSON object, e.g. '{"language": "python"}'; got ${excerpt(text)} (not valid JSON)`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw usageError(`the context must be a JSON object, e.g. '{"language": "python"}'; got ${excerpt(text)}`);
  }
  return value as Record<string, unknown>;
}

/** `--stage-model role=model`, repeatable, into `{role: model}`; later flags for the same role win. */
export function parseStageModels(pairs: readonly string[]): Partial<Record<StageRole, string>> {
  const out: Partial<Record<StageRole, string>> = {};
  for (const pair of pairs) {
    const [role, model] = splitPair(pair, '--stage-model', 'role=model, e.g. coder=gpt-4o');
    if (!isStageRole(role)) {
      throw usageError(`--stage-model: unknown stage "${role}"; stages are ${STAGE_ROLES.join(', ')}`);
    }
    out[role] = model;
  }
  return out;
}

/**
 * `--consensus role=N` (N candidates on the stage's model) or `--consensus role=model-a,model-b,…` (one per
 * model), repeatable, into `{role: N | models}` for `stages.<role>.candidates`. The protocol's validator
 * checks the roles and counts; this only splits.
 */
export function parseConsensus(pairs: readonly string[]): Partial<Record<StageRole, number | string[]>> {
  const out: Partial<Record<StageRole, number | string[]>> = {};
  for (const pair of pairs) {
    const [role, value] = splitPair(pair, '--consensus', 'role=N or role=model-a,model-b, e.g. coder=3');
    if (!isStageRole(role)) throw usageError(`--consensus: unknown stage "${role}"; stages are ${STAGE_ROLES.join(', ')}`);
    out[role] = /^\d+$/.test(value.trim()) ? Number(value) : value.split(',').map((m) => m.trim());
  }
  return out;
}

/**
 * `--provider-option key=value`, repeatable. Values are parsed as JSON where they parse (`0`, `true`,
 * `{"a":1}`), so numbers reach the provider as numbers; anything else stays a string.
 */
export function parseProviderOptions(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const [key, raw] = splitPair(pair, '--provider-option', 'key=value, e.g. tokens_per_second=0');
    out[key] = parseLooseJson(raw);
  }
  return out;
}

/** JSON where it parses, else the string itself. */
export function parseLooseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A positive number of seconds (or dollars): `--timeout`, `--max-seconds`, `--max-cost`. */
export function parsePositive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw usageError(`${flag} must be a positive number, got "${value}"`);
  }
  return n;
}

/** A number, for flags whose range the protocol's validator checks (`--max-cost`, `--max-seconds`). */
export function parseNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw usageError(`${flag} must be a number, got "${value}"`);
  return n;
}

/** A whole number ≥ min: `--from-seq`. */
export function parseInteger(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw usageError(`${flag} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function splitPair(pair: string, flag: string, shape: string): [string, string] {
  const at = pair.indexOf('=');
  const key = at > 0 ? pair.slice(0, at).trim() : '';
  const value = at > 0 ? pair.slice(at + 1) : '';
  if (key === '' || value === '') throw usageError(`${flag} takes ${shape}; got "${pair}"`);
  return [key, value];
}

function excerpt(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return JSON.stringify(one.length > 40 ? `${one.slice(0, 40)}…` : one);
}
