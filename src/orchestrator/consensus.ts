import { CorchError } from '../protocol/errors.js';
import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import type { TaskRequest } from '../protocol/task-request.js';
import { type RunProviderInfo, routeModel } from '../providers/model-provider.js';
import type { ProviderName } from '../providers/types.js';
import type { CandidateModel, ConsensusPlan } from './plan.js';
import { CONSENSUS_ROLES } from './stage-registry.js';
import type { StageSettings } from './stage-settings.js';

/** Most candidates one consensus stage runs: each is a full model call, all in flight at once. */
export const MAX_CANDIDATES = 8;

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
    checkCandidates(role, wanted);
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

/**
 * Checks `stages.<role>.candidates`: a whole number from 1 to {@link MAX_CANDIDATES}, or a list of 1 to
 * {@link MAX_CANDIDATES} non-empty model names, on a role that accepts candidates. Throws E_INVALID_REQUEST.
 */
export function checkCandidates(role: string, value: unknown): void {
  const field = `stages.${role}.candidates`;
  const fail = (rule: string) => {
    throw new CorchError('E_INVALID_REQUEST', `\`${field}\` ${rule}`, { status: 400, details: { field } });
  };
  if (!(CONSENSUS_ROLES as readonly string[]).includes(role)) {
    fail(`is not available: only ${CONSENSUS_ROLES.join(', ')} can run as consensus stages`);
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > MAX_CANDIDATES) {
      fail(`must be a whole number from 1 to ${MAX_CANDIDATES} or a list of models, got ${JSON.stringify(value)}`);
    }
    return;
  }
  if (!Array.isArray(value)) fail(`must be a number of candidates or a list of models, got ${JSON.stringify(value)}`);
  const list = value as unknown[];
  if (list.length < 1 || list.length > MAX_CANDIDATES) fail(`must list 1 to ${MAX_CANDIDATES} models, got ${list.length}`);
  list.forEach((model, i) => {
    if (typeof model !== 'string' || model.trim() === '') fail(`[${i}] must be a non-empty model name, got ${JSON.stringify(model)}`);
  });
}
