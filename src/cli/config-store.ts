import { chmodSync } from 'node:fs';
import Conf from 'conf';
import { configError } from './cli-error.js';
import { type ConfigTree, deletePath, flattenConfig, getPath, setPath, toConfig } from './config-file.js';
import { type CorchConfig, keyKind, keyPath, normalizeKey } from './config-keys.js';
import { checkValue, storedValue } from './config-values.js';

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
  let conf: Conf<ConfigTree>;
  try {
    conf = new Conf<ConfigTree>({
      projectName: 'corch',
      // No "-nodejs" suffix: the same file serves the npm package and the single binary.
      projectSuffix: '',
      ...(dir ? { cwd: dir } : {}),
      configFileMode: CONFIG_FILE_MODE,
      // Keys are resolved into property paths here (config-file.ts), not by conf: a model name in
      // `prices.gpt-4.1` has dots of its own. The file keeps the same nested shape either way.
      accessPropertiesByDotNotation: false,
      clearInvalidConfig: false,
    });
  } catch (error) {
    const where = dir ? `in ${dir}` : '(see `corch config path`)';
    throw configError(`the config file ${where} could not be read: ${firstLine(error)}; fix or delete it`, error);
  }
  const file = conf.path;

  const pairs = (): Array<[string, string]> =>
    flattenConfig(conf.store, file).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  /** Applies `change` to the whole file and writes it back (one read, one write). */
  const update = <T>(change: (tree: ConfigTree) => T): T => {
    try {
      const tree = conf.store;
      const result = change(tree);
      conf.store = tree;
      // conf creates the file with this mode, but a file made earlier (or by hand) keeps its own.
      chmodSync(file, CONFIG_FILE_MODE);
      return result;
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
      const value = getPath(conf.store, keyPath(key));
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    },
    set(raw, value) {
      const key = normalizeKey(raw);
      const checked = checkValue(key, value);
      update((tree) => setPath(tree, keyPath(key), storedValue(keyKind(key), checked)));
      return checked;
    },
    unset(raw) {
      const key = normalizeKey(raw);
      const path = keyPath(key);
      // A key the file has is removed even when it is not a valid key (a typo made by hand); otherwise
      // an unknown key is an error, so `unset colour` does not pass silently.
      if (getPath(conf.store, path) === undefined) {
        keyKind(key);
        return false;
      }
      return update((tree) => deletePath(tree, path));
    },
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
