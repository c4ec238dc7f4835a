import { CorchError } from '../protocol/errors.js';
import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import type { LlmProvider } from '../providers/types.js';
import { lookupPrice } from './prices.js';
import type { ModelPrice, ServerSettings } from './settings.js';
import type { StageSettings } from './stage-settings.js';

/** Inputs to {@link resolveRunPricing}. */
export interface RunPricingInput {
  provider: Pick<LlmProvider, 'name' | 'simulated'>;
  stages: Readonly<Record<StageRole, StageSettings>>;
  settings?: ServerSettings | undefined;
  /** The run's cost budget in USD, or null. */
  maxCost: number | null;
}

/**
 * The price of each stage's model. A cost budget cannot be enforced with an unknown price, so a run that
 * sets `budget.max_cost` while a stage's model has no known price is refused up front (E_INVALID_REQUEST)
 * rather than running unchecked.
 */
export function resolveRunPricing(input: RunPricingInput): Record<StageRole, ModelPrice | null> {
  const { provider, stages, settings, maxCost } = input;
  const prices = {} as Record<StageRole, ModelPrice | null>;
  for (const role of STAGE_ROLES) {
    prices[role] = lookupPrice({ provider, model: stages[role].model, overrides: settings?.prices });
  }
  if (maxCost !== null) {
    const unknown = STAGE_ROLES.filter((role) => prices[role] === null).map((role) => stages[role].model);
    if (unknown.length > 0) {
      const models = [...new Set(unknown)].join(', ');
      throw new CorchError(
        'E_INVALID_REQUEST',
        `\`budget.max_cost\` needs known model prices, and the price of ${models} is unknown; ` +
          'add it to the server config (prices) or drop the cost budget.',
        { status: 400, details: { field: 'budget.max_cost', models: [...new Set(unknown)] } },
      );
    }
  }
  return prices;
}
