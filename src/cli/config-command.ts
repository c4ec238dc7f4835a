import { usageError } from './cli-error.js';
import { isSecretKey, maskSecret, normalizeKey } from './config-keys.js';
import { envOverride } from './config-env.js';
import { openConfig } from './config-store.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

/** The subcommands of `corch config`. */
export const CONFIG_ACTIONS = ['get', 'set', 'unset', 'list', 'path'] as const;
export type ConfigAction = (typeof CONFIG_ACTIONS)[number];

export interface ConfigCommandOptions {
  /** `list --json`: the raw values as one JSON object (secrets still masked unless `--show-secrets`). */
  json?: boolean;
  showSecrets?: boolean;
}

/**
 * `corch config get|set|unset|list|path`. `get` prints the raw value (so scripts can read it); `list`
 * masks API keys unless `--show-secrets`.
 */
export async function configCommand(
  action: string | undefined,
  args: string[],
  options: ConfigCommandOptions,
  io: CliIo,
): Promise<number> {
  if (action === undefined) {
    throw usageError(`config needs a subcommand: ${CONFIG_ACTIONS.join(', ')}`);
  }
  if (!(CONFIG_ACTIONS as readonly string[]).includes(action)) {
    throw usageError(`unknown config subcommand "${action}"; use one of ${CONFIG_ACTIONS.join(', ')}`);
  }
  const store = openConfig(io.env);
  const out = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  switch (action as ConfigAction) {
    case 'path':
      expectArgs(action, args, 0, '');
      out(store.path);
      return EXIT.OK;
    case 'get': {
      const [key] = expectArgs(action, args, 1, '<key>');
      const value = store.get(key);
      // The stored value is what `get` prints; a variable that wins over it is said on stderr, since it is
      // what a run would use.
      const override = envOverride(key, io.env);
      const shown = (v: string) => (isSecretKey(key) ? maskSecret(v) : v);
      // Unset: nothing on stdout and exit 1, like `git config --get`, so scripts can test for it.
      if (value === undefined) {
        io.stderr.write(
          override
            ? `corch: ${key} is not set in the config file; ${override.variable}=${shown(override.value)} in the environment sets it\n`
            : `corch: ${key} is not set\n`,
        );
        return EXIT.RUN_FAILED;
      }
      out(value);
      if (override) io.stderr.write(`corch: ${override.variable}=${shown(override.value)} in the environment overrides this value\n`);
      return EXIT.OK;
    }
    case 'set': {
      const [key, value] = expectArgs(action, args, 2, '<key> <value>');
      const stored = store.set(key, value);
      io.stderr.write(`${key} = ${isSecretKey(key) ? maskSecret(stored) : stored}  (saved to ${store.path})\n`);
      return EXIT.OK;
    }
    case 'unset': {
      const [key] = expectArgs(action, args, 1, '<key>');
      const removed = store.unset(key);
      io.stderr.write(removed ? `${key} removed\n` : `${key} was not set\n`);
      return EXIT.OK;
    }
    case 'list': {
      expectArgs(action, args, 0, '');
      const entries = store
        .entries()
        .map(([key, value]): [string, string] => [key, isSecretKey(key) && !options.showSecrets ? maskSecret(value) : value]);
      if (options.json) {
        out(JSON.stringify(Object.fromEntries(entries), null, 2));
      } else if (entries.length === 0) {
        io.stderr.write(`no settings yet (${store.path}); set one with: corch config set <key> <value>\n`);
      } else {
        for (const [key, value] of entries) out(`${key}=${value}`);
      }
      return EXIT.OK;
    }
  }
}

/** Checks the argument count; returns the first two (as strings: the count was checked). */
function expectArgs(action: string, args: string[], count: number, shape: string): [string, string] {
  if (args.length !== count) {
    const got = args.length === 0 ? 'none' : args.map((a) => JSON.stringify(a)).join(' ');
    throw usageError(`config ${action} takes ${count === 0 ? 'no arguments' : shape}; got ${got}`);
  }
  return [normalizeKey(args[0] ?? ''), args[1] ?? ''];
}
