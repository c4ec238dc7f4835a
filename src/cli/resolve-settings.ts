import { envOverride, envVariablesFor } from './config-env.js';
import { BASE_URL_ENV, KEY_ENV } from '../providers/provider-presets.js';
import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import type { StageOptions, TaskBudget } from '../protocol/task-request.js';
import type { ServerSettings } from '../orchestrator/settings.js';
import { PROVIDER_NAMES, type ProviderName } from '../providers/types.js';
import { configError, usageError } from './cli-error.js';
import type { CorchConfig } from './config-keys.js';
import { checkUrl } from './config-values.js';
import { parseProgress, type ProgressFlag } from './parse-options.js';

type Env = Record<string, string | undefined>;

/** Where a setting came from, for messages ("--base-url", "CORCH_BASE_URL", "config baseUrl"). */
export interface Sourced<T> {
  value: T;
  source: string;
}

/** The environment's candidates for a config key, from the one table of them (config-env.ts). */
function fromEnv(key: string, env: Env): Array<[string | undefined, string]> {
  return envVariablesFor(key).map((variable) => [env[variable], variable]);
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
  const baseUrl = first([[flags.baseUrl, '--base-url'], ...fromEnv('baseUrl', env), [config.baseUrl, 'config baseUrl']]);
  const apiKey = first([[flags.apiKey, '--api-key'], ...fromEnv('apiKey', env), [config.apiKey, 'config apiKey']]);
  const out: { baseUrl?: Sourced<string>; apiKey?: string } = {};
  if (baseUrl) {
    const make = baseUrl.source === 'config baseUrl' ? configError : usageError;
    out.baseUrl = { value: checkUrl(baseUrl.value, baseUrl.source, make), source: baseUrl.source };
  }
  if (apiKey) out.apiKey = apiKey.value;
  return out;
}

/** `--progress` > `CORCH_PROGRESS` > config progress > auto. */
export function pickProgressMode(flag: string | undefined, env: Env, config: CorchConfig): ProgressFlag {
  if (flag !== undefined) return parseProgress(flag, '--progress');
  const set = envOverride('progress', env);
  if (set) return parseProgress(set.value, set.variable);
  return config.progress ?? 'auto';
}

/** Where a provider chosen by {@link pickProvider} came from, as the run's first message says it. */
const PROVIDER_SOURCES: Readonly<Record<string, string>> = {
  '--provider': 'the --provider flag',
  CORCH_PROVIDER: 'CORCH_PROVIDER in the environment',
  'config provider': 'provider in the config file',
};

/**
 * `--provider` > `CORCH_PROVIDER` > config provider, with where it came from; undefined lets the server
 * pick (and say so).
 */
export function pickProvider(flag: string | undefined, env: Env, config: CorchConfig): Sourced<ProviderName> | undefined {
  const picked = first([[flag, '--provider'], ...fromEnv('provider', env), [config.provider, 'config provider']]);
  if (!picked) return undefined;
  if (!(PROVIDER_NAMES as readonly string[]).includes(picked.value)) {
    throw usageError(`${picked.source} must be one of ${PROVIDER_NAMES.join(', ')}, got "${picked.value}"`);
  }
  return { value: picked.value as ProviderName, source: PROVIDER_SOURCES[picked.source] ?? picked.source };
}

/** `--model` > `CORCH_MODEL` > config model. */
export function resolveModel(flag: string | undefined, env: Env, config: CorchConfig): string | undefined {
  return first([[flag, '--model'], ...fromEnv('model', env), [config.model, 'config model']])?.value;
}

/**
 * Per-stage settings as request `stages`: models from `--stage-model` flags over config
 * `stageModels.<role>`, with config `stages.<role>.temperature` / `.maxTokens`. They go with the request,
 * so they apply on a remote server as well as on the embedded one.
 */
export function resolveStages(
  flags: Partial<Record<StageRole, string>>,
  config: CorchConfig,
): Partial<Record<StageRole, StageOptions>> | undefined {
  const models: Partial<Record<StageRole, string>> = { ...config.stageModels, ...flags };
  const out: Partial<Record<StageRole, StageOptions>> = {};
  for (const role of STAGE_ROLES) {
    const model = models[role];
    const sampling = config.stages?.[role];
    const options: StageOptions = {
      ...(model !== undefined ? { model } : {}),
      ...(sampling?.temperature !== undefined ? { temperature: sampling.temperature } : {}),
      ...(sampling?.maxTokens !== undefined ? { max_tokens: sampling.maxTokens } : {}),
    };
    if (Object.keys(options).length > 0) out[role] = options;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Config `budget.*` as the server's default budget (a request's own values win, field by field). */
export function resolveBudgetDefaults(config: CorchConfig): TaskBudget | undefined {
  const b = config.budget;
  if (!b) return undefined;
  const budget: TaskBudget = {
    ...(b.maxSeconds !== undefined ? { max_seconds: b.maxSeconds } : {}),
    ...(b.stageSeconds !== undefined ? { stage_seconds: b.stageSeconds } : {}),
    ...(b.maxCost !== undefined ? { max_cost: b.maxCost } : {}),
  };
  return Object.keys(budget).length > 0 ? budget : undefined;
}


/**
 * Settings for a server this process starts (the embedded one of `run`, or `serve`): provider, model and
 * per-stage settings from flags/env/config; prices and budget defaults from config; per-provider base URLs
 * and keys from config with the environment's variables winning, so flags > env > config holds whatever
 * the runner reads first.
 */
export function resolveServerSettings(
  env: Env,
  config: CorchConfig,
  flags: { provider?: string; model?: string } = {},
): ServerSettings {
  const settings: ServerSettings = {};
  const provider = pickProvider(flags.provider, env, config);
  const model = resolveModel(flags.model, env, config);
  if (provider) {
    settings.provider = provider.value;
    settings.provider_source = provider.source;
  }
  if (model) settings.model = model;
  const stages = resolveStages({}, config);
  if (stages) settings.stages = stages;
  if (config.prices && Object.keys(config.prices).length > 0) settings.prices = { ...config.prices };
  const budget = resolveBudgetDefaults(config);
  if (budget) settings.budget = budget;
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
