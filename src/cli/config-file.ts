import type { StageRole } from '../protocol/events.js';
import type { ProviderName } from '../providers/types.js';
import { configError } from './cli-error.js';
import { type CorchConfig, isNumericKind, type KeyKind, keyKind, keyPath, pathKey } from './config-keys.js';
import { checkValue, parsePrice } from './config-values.js';
import type { ProgressFlag } from './parse-options.js';

/** The parsed JSON of the config file: nested objects, as `{"providers": {"openai": {"model": "…"}}}`. */
export type ConfigTree = Record<string, unknown>;

function isTree(value: unknown): value is ConfigTree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether `path` names a leaf even when the file holds an object there (a price is one value). */
function isLeafPath(path: readonly string[]): boolean {
  return path.length === 2 && path[0] === 'prices';
}

/**
 * Flattens a stored config into `[dotted key, value]` pairs, validating each: a hand-edited file with an
 * unknown key or a bad value gets an error naming the file, the key and the fix.
 */
export function flattenConfig(store: ConfigTree, file: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const leaf = (value: unknown, path: string[]): void => {
    const key = pathKey(path);
    let kind: KeyKind;
    try {
      kind = keyKind(key);
    } catch (error) {
      throw configError(`${file}: ${messageOf(error)}; remove it with: corch config unset ${key}`, error);
    }
    try {
      // `config set` writes numbers as JSON numbers; someone editing the file may also quote them.
      const text = typeof value === 'string' ? value : typeof value === 'number' && isNumericKind(kind) ? String(value) : undefined;
      if (text === undefined) throw configError(`${key} must be ${expected(kind)}, got ${JSON.stringify(value)}`);
      out.push([key, checkValue(key, text)]);
    } catch (error) {
      throw configError(`${file}: ${messageOf(error)}; fix it with: corch config set ${key} <value> (or unset it)`, error);
    }
  };
  const walk = (value: unknown, path: string[]): void => {
    if (isTree(value) && !isLeafPath(path)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      return;
    }
    leaf(value, path);
  };
  walk(store, []);
  return out;
}

function expected(kind: KeyKind): string {
  if (isNumericKind(kind)) return 'a number';
  if (kind === 'price') return 'a string "<input>,<output>" (USD per 1M tokens, e.g. "2.5,10")';
  return 'a string';
}

/** Rebuilds the typed config from validated pairs. */
export function toConfig(pairs: ReadonlyArray<[string, string]>): CorchConfig {
  const config: CorchConfig = {};
  for (const [key, value] of pairs) {
    const [head, mid, tail] = keyPath(key);
    if (mid === undefined) {
      if (head === 'provider') config.provider = value as ProviderName;
      else if (head === 'progress') config.progress = value as ProgressFlag;
      else if (head === 'baseUrl' || head === 'apiKey' || head === 'model') config[head] = value;
    } else if (head === 'stageModels') {
      config.stageModels = { ...config.stageModels, [mid as StageRole]: value };
    } else if (head === 'stages' && (tail === 'temperature' || tail === 'maxTokens')) {
      const role = mid as StageRole;
      config.stages = { ...config.stages, [role]: { ...config.stages?.[role], [tail]: Number(value) } };
    } else if (head === 'providers' && tail !== undefined) {
      const name = mid as ProviderName;
      config.providers = { ...config.providers, [name]: { ...config.providers?.[name], [tail]: value } };
    } else if (head === 'budget' && (mid === 'maxSeconds' || mid === 'stageSeconds' || mid === 'maxCost')) {
      config.budget = { ...config.budget, [mid]: Number(value) };
    } else if (head === 'prices') {
      config.prices = { ...config.prices, [mid]: parsePrice(value, key) };
    }
  }
  return config;
}

/** The value at `path`, if the file has one there. */
export function getPath(tree: ConfigTree, path: readonly string[]): unknown {
  let current: unknown = tree;
  for (const part of path) {
    if (!isTree(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** Sets the value at `path`, making the objects on the way (replacing anything else found there). */
export function setPath(tree: ConfigTree, path: readonly string[], value: unknown): void {
  let current = tree;
  path.forEach((part, i) => {
    if (i === path.length - 1) {
      current[part] = value;
      return;
    }
    const next = Object.hasOwn(current, part) ? current[part] : undefined;
    const child: ConfigTree = isTree(next) ? next : {};
    current[part] = child;
    current = child;
  });
}

/**
 * Removes the value at `path` and then the objects left empty above it, so unsetting the last field of
 * `providers.openai` leaves no `"openai": {}` behind. Returns whether there was a value.
 */
export function deletePath(tree: ConfigTree, path: readonly string[]): boolean {
  const parents: ConfigTree[] = [tree];
  for (const part of path.slice(0, -1)) {
    const last = parents[parents.length - 1];
    const next = last && Object.hasOwn(last, part) ? last[part] : undefined;
    if (!isTree(next)) return false;
    parents.push(next);
  }
  const name = path[path.length - 1];
  const holder = parents[parents.length - 1];
  if (name === undefined || holder === undefined || !Object.hasOwn(holder, name)) return false;
  delete holder[name];
  for (let i = parents.length - 1; i > 0; i--) {
    const child = parents[i];
    const parent = parents[i - 1];
    const part = path[i - 1];
    if (child === undefined || parent === undefined || part === undefined || Object.keys(child).length > 0) break;
    delete parent[part];
  }
  return true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
