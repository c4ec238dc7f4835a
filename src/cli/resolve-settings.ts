import type { StageRole } from '../protocol/events.js';
import type { StageOptions } from '../protocol/task-request.js';
import type { ServerSettings } from '../orchestrator/settings.js';
import { PROVIDER_NAMES, type ProviderName } from '../providers/types.js';
import { configError, usageError } from './cli-error.js';
import { type CorchConfig, checkUrl } from './config-keys.js';
import { parseProgress, type ProgressMode } from './parse-options.js';

type Env = Record<string, string | undefined>;

/** Where a setting came from, for messages ("--base-url", "CORCH_BASE_URL", "config baseUrl"). */
export interface Sourced<T> {
  value: T;
  source: string;
}

/** The first non-empty of several candidates, remembering which one it was. */
function first(candidates: Array<[string | undefined, string]>): Sourced<string> | undefined {
  for (const [value, source] of candidates) {
    const v = value?.trim();
    if (v) return { value: v, source };
  }
  return undefined;
}

export interface RemoteFlags {
  baseUrl?: string;
  apiKey?: string;
}

/** The server to talk to and its key: flag > env (the original's names too) > config; none = embedded. */
export function resolveRemote(flags: RemoteFlags, env: Env, config: CorchConfig): { baseUrl?: Sourced<string>; apiKey?: string } {
  const baseUrl = first([
    [flags.baseUrl, '--base-url'],
    [env.CORCH_BASE_URL, 'CORCH_BASE_URL'],
    [env.FACILITAIR_API_BASE, 'FACILITAIR_API_BASE'],
    [config.baseUrl, 'config baseUrl'],
  ]);
  const apiKey = first([
    [flags.apiKey, '--api-key'],
    [env.CORCH_API_KEY, 'CORCH_API_KEY'],
    [env.FAC_API_KEY, 'FAC_API_KEY'],
    [config.apiKey, 'config apiKey'],
  ]);
  const out: { baseUrl?: Sourced<string>; apiKey?: string } = {};
  if (baseUrl) {
    const make = baseUrl.source === 'config baseUrl' ? configError : usageError;
    out.baseUrl = { value: checkUrl(baseUrl.value, baseUrl.source, make), source: baseUrl.source };
  }
  if (apiKey) out.apiKey = apiKey.value;
  return out;
}

/** `--progress` > `CORCH_PROGRESS` > config progress > auto. */
export function pickProgressMode(flag: string | undefined, env: Env, config: CorchConfig): ProgressMode {
  if (flag !== undefined) return parseProgress(flag, '--progress');
  const fromEnv = env.CORCH_PROGRESS?.trim();
  if (fromEnv) return parseProgress(fromEnv, 'CORCH_PROGRESS');
  return config.progress ?? 'auto';
}

/** `--provider` > `CORCH_PROVIDER` > config provider; undefined lets the server pick (and say so). */
export function resolveProvider(flag: string | undefined, env: Env, config: CorchConfig): ProviderName | undefined {
  const picked = first([
    [flag, '--provider'],
    [env.CORCH_PROVIDER, 'CORCH_PROVIDER'],
    [config.provider, 'config provider'],
  ]);
  if (!picked) return undefined;
  if (!(PROVIDER_NAMES as readonly string[]).includes(picked.value)) {
    throw usageError(`${picked.source} must be one of ${PROVIDER_NAMES.join(', ')}, got "${picked.value}"`);
  }
  return picked.value as ProviderName;
}

/** `--model` > `CORCH_MODEL` > config model. */
export function resolveModel(flag: string | undefined, env: Env, config: CorchConfig): string | undefined {
  return first([
    [flag, '--model'],
    [env.CORCH_MODEL, 'CORCH_MODEL'],
    [config.model, 'config model'],
  ])?.value;
}

/** Per-stage models: `--stage-model` flags over config `stageModels.<role>`, as request `stages`. */
export function resolveStages(
  flags: Partial<Record<StageRole, string>>,
  config: CorchConfig,
): Partial<Record<StageRole, StageOptions>> | undefined {
  const merged = { ...config.stageModels, ...flags };
  const entries = Object.entries(merged).filter((e): e is [StageRole, string] => typeof e[1] === 'string');
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([role, model]) => [role, { model }]));
}

/** Each provider's base-URL variable, following its SDK's convention (DESIGN.md §4). */
const BASE_URL_ENV: Partial<Record<ProviderName, string>> = {
  openai: 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
  ollama: 'OLLAMA_HOST',
  openrouter: 'OPENROUTER_BASE_URL',
};

/** Each provider's usual key variable; when set it wins over a key in the config file. */
const KEY_ENV: Partial<Record<ProviderName, string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  openrouter: 'OPENROUTER_API_KEY',
};

/**
 * Settings for a server this process starts (the embedded one of `run`, or `serve`): provider, model and
 * stage models from flags/env/config, per-provider base URLs and keys from config with the environment's
 * variables winning, so flags > env > config holds whatever the runner reads first.
 */
export function resolveServerSettings(
  env: Env,
  config: CorchConfig,
  flags: { provider?: string; model?: string } = {},
): ServerSettings {
  const settings: ServerSettings = {};
  const provider = resolveProvider(flags.provider, env, config);
  const model = resolveModel(flags.model, env, config);
  if (provider) settings.provider = provider;
  if (model) settings.model = model;
  const stages = resolveStages({}, config);
  if (stages) settings.stages = stages;
  const providers: NonNullable<ServerSettings['providers']> = {};
  for (const name of PROVIDER_NAMES) {
    const fromConfig = config.providers?.[name];
    const envVar = BASE_URL_ENV[name];
    const baseUrl = (envVar ? env[envVar]?.trim() : undefined) || fromConfig?.baseUrl;
    const keyVar = KEY_ENV[name];
    const envHasKey = keyVar !== undefined && Boolean(env[keyVar]?.trim());
    const entry = {
      ...(baseUrl ? { base_url: baseUrl } : {}),
      ...(fromConfig?.apiKey && !envHasKey ? { api_key: fromConfig.apiKey } : {}),
      ...(fromConfig?.model ? { model: fromConfig.model } : {}),
    };
    if (Object.keys(entry).length > 0) providers[name] = entry;
  }
  if (Object.keys(providers).length > 0) settings.providers = providers;
  return settings;
}
