import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import type { TaskRequest } from '../protocol/task-request.js';
import { type RunProviderInfo, routeModel } from '../providers/model-provider.js';
import type { ProviderName } from '../providers/types.js';
import type { CandidateModel, ConsensusPlan } from './plan.js';
import type { StageSettings } from './stage-settings.js';

/**
 * The candidates of each consensus stage, from `stages.<role>.candidates`: a number N runs N candidates on
 * the stage's model; a list of models runs one candidate per model, each on the provider that serves it
 * ({@link routeModel}). A role asked for one candidate runs as an ordinary stage.
 */
export function resolveConsensus(
  request: Pick<TaskRequest, 'stages'>,
  stages: Readonly<Record<StageRole, StageSettings>>,
  run: RunProviderInfo,
): ConsensusPlan {
  const plan: ConsensusPlan = {};
  for (const role of STAGE_ROLES) {
    const wanted = request.stages?.[role]?.candidates;
    if (wanted === undefined) continue;
    const models: CandidateModel[] =
      typeof wanted === 'number'
        ? Array.from({ length: wanted }, () => ({ model: stages[role].model, provider: run.name }))
        : wanted.map((model) => routeModel(model.trim(), run));
    if (models.length > 1) plan[role] = models;
  }
  return plan;
}

/** The providers other than the run's own that the plan's candidates need. */
export function candidateProviders(plan: ConsensusPlan, run: ProviderName): ProviderName[] {
  const names = new Set<ProviderName>();
  for (const models of Object.values(plan)) for (const m of models ?? []) if (m.provider !== run) names.add(m.provider);
  return [...names];
}
