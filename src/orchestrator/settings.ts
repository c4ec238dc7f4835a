import type { StageRole } from '../protocol/events.js';
import type { StageOptions, TaskBudget } from '../protocol/task-request.js';
import type { ProviderName } from '../providers/types.js';

/** Per-provider settings from the config file (keys normally come from the environment). */
export interface ProviderSettings {
  base_url?: string;
  api_key?: string;
  model?: string;
}

/** USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * What a server (embedded or `serve`) knows beyond the request: read by the CLI from the environment and
 * the config file and handed down, so nothing below `src/cli/` reads `process.*`.
 */
export interface ServerSettings {
  /** Provider used when a request names none. */
  provider?: ProviderName;
  /** Where {@link provider} was set, e.g. "the --provider flag", for the message that names the provider. */
  provider_source?: string;
  model?: string;
  stages?: Partial<Record<StageRole, StageOptions>>;
  providers?: Partial<Record<ProviderName, ProviderSettings>>;
  /** Price overrides by model name, merged over the built-in table. */
  prices?: Record<string, ModelPrice>;
  budget?: TaskBudget;
}
