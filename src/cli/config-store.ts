import { chmodSync } from 'node:fs';
import Conf from 'conf';
import { configError } from './cli-error.js';
import { type CorchConfig, checkValue, flattenConfig, keyKind, normalizeKey, toConfig } from './config-keys.js';

/** Owner read/write only: the file may hold API keys. */
const CONFIG_FILE_MODE = 0o600;

/** The config file behind `corch config …`, read by every command that needs defaults. */
export interface ConfigStore {
  /** Absolute path of the JSON file (it may not exist yet). */
  readonly path: string;
  /** The whole config, validated. */
  read(): CorchConfig;
  /** Every set key as `[dotted key, value]`, sorted. */
  entries(): Array<[string, string]>;
  get(key: string): string | undefined;
  set(key: string, value: string): string;
  /** Returns whether the key was set. */
  unset(key: string): boolean;
}

/**
 * Opens the config: `~/.config/corch/config.json` (the platform's config directory), or the directory in
 * `CORCH_CONFIG_DIR` — used by tests and by anyone keeping several setups apart.
 */
export function openConfig(env: Record<string, string | undefined>): ConfigStore {
  const dir = env.CORCH_CONFIG_DIR?.trim();
  let conf: Conf<Record<string, unknown>>;
  try {
    conf = new Conf<Record<string, unknown>>({
      projectName: 'corch',
      // No "-nodejs" suffix: the same file serves the npm package and the single binary.
      projectSuffix: '',
      ...(dir ? { cwd: dir } : {}),
      configFileMode: CONFIG_FILE_MODE,
      accessPropertiesByDotNotation: true,
      clearInvalidConfig: false,
    });
  } catch (error) {
    const where = dir ? `in ${dir}` : '(see `corch config path`)';
    throw configError(`the config file ${where} could not be read: ${firstLine(error)}; fix or delete it`, error);
  }
  const file = conf.path;

  const pairs = (): Array<[string, string]> =>
    flattenConfig(conf.store, file).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const write = (fn: () => void): void => {
    try {
      fn();
      // conf creates the file with this mode, but a file made earlier (or by hand) keeps its own.
      chmodSync(file, CONFIG_FILE_MODE);
    } catch (error) {
      throw configError(`could not write ${file}: ${firstLine(error)}`, error);
    }
  };

  return {
    path: file,
    read: () => toConfig(pairs()),
    entries: pairs,
    get(raw) {
      const key = normalizeKey(raw);
      keyKind(key);
      const value = conf.get(key);
      return typeof value === 'string' ? value : undefined;
    },
    set(raw, value) {
      const key = normalizeKey(raw);
      const checked = checkValue(key, value);
      write(() => conf.set(key, checked));
      return checked;
    },
    unset(raw) {
      const key = normalizeKey(raw);
      keyKind(key);
      if (!conf.has(key)) return false;
      write(() => {
        conf.delete(key);
        pruneEmpty(conf, key);
      });
      return true;
    },
  };
}

/** Drops `providers.openai` once its last field is unset, so `list` and the file stay tidy. */
function pruneEmpty(conf: Conf<Record<string, unknown>>, key: string): void {
  const parts = key.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const parent = parts.slice(0, n).join('.');
    const value = conf.get(parent);
    if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) conf.delete(parent);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
