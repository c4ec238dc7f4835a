import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import type { StageOptions, TaskRequest } from '../protocol/task-request.js';
import type { ProviderName } from '../providers/types.js';
import type { ServerSettings } from './settings.js';
import { roleTable } from './stage-registry.js';

/** The settings one stage runs with, after defaults, config and the request are merged. */
export interface StageSettings {
  model: string;
  temperature: number;
  max_tokens: number;
}

/** Defaults per role, from the stage registry (which says why each is what it is). */
export const DEFAULT_STAGE_SETTINGS: Readonly<Record<StageRole, Readonly<Omit<StageSettings, 'model'>>>> = roleTable((d) => ({
  temperature: d.temperature,
  max_tokens: d.max_tokens,
}));

/** Inputs to {@link resolveStageSettings}. */
export interface StageSettingsInput {
  request: Pick<TaskRequest, 'provider' | 'model' | 'stages'>;
  settings?: ServerSettings | undefined;
  /** The provider the run uses. */
  provider: { name: ProviderName; defaultModel: string };
}

/**
 * Merges per-role settings: built-in defaults, then config (`settings.stages`), then the request
 * (`request.stages`) — the request wins.
 *
 * Models follow the same order, with one guard: model names in config were written for the configured
 * provider, so they only apply when the request does not pick a different provider (a `gpt-4o` from config
 * must not be sent to Anthropic). The provider's own configured model and its built-in default come last.
 */
export function resolveStageSettings(input: StageSettingsInput): Record<StageRole, StageSettings> {
  const { request, settings, provider } = input;
  const configApplies = request.provider === undefined || request.provider === settings?.provider;
  const runModel = resolveRunModel(input);
  const out = {} as Record<StageRole, StageSettings>;
  for (const role of STAGE_ROLES) {
    const fromConfig: StageOptions = settings?.stages?.[role] ?? {};
    const fromRequest: StageOptions = request.stages?.[role] ?? {};
    const defaults = DEFAULT_STAGE_SETTINGS[role];
    out[role] = {
      model:
        fromRequest.model ??
        request.model ??
        (configApplies ? fromConfig.model : undefined) ??
        runModel ??
        provider.defaultModel,
      temperature: fromRequest.temperature ?? fromConfig.temperature ?? defaults.temperature,
      max_tokens: fromRequest.max_tokens ?? fromConfig.max_tokens ?? defaults.max_tokens,
    };
  }
  return out;
}

/**
 * The run's headline model (shown in `task_started.model`): the request's, else config's for this provider,
 * else the provider's default. Per-stage overrides may still differ.
 */
export function resolveRunModel(input: StageSettingsInput): string {
  const { request, settings, provider } = input;
  const configApplies = request.provider === undefined || request.provider === settings?.provider;
  return (
    request.model ??
    (configApplies ? settings?.model : undefined) ??
    settings?.providers?.[provider.name]?.model ??
    provider.defaultModel
  );
}
