import { CorchError } from '../protocol/errors.js';
import type { LlmProvider } from '../providers/types.js';
import { lookupPrice } from './prices.js';
import type { ModelPrice, ServerSettings } from './settings.js';

/** A model on a provider, as priced. */
export interface PricedModel {
  provider: Pick<LlmProvider, 'name' | 'simulated'>;
  model: string;
}

/** Prices of the models a run uses, looked up once each. */
export interface PriceBook {
  priceOf(provider: PricedModel['provider'], model: string): ModelPrice | null;
}

/** Inputs to {@link resolveRunPricing}. */
export interface RunPricingInput {
  /** Every model the run may call: each stage's, each candidate's, the Judge's. */
  models: readonly PricedModel[];
  settings?: ServerSettings | undefined;
  /** The run's cost budget in USD, or null. */
  maxCost: number | null;
}

/**
 * The price book of a run. A cost budget cannot be enforced with an unknown price, so a run that sets
 * `budget.max_cost` while one of its models has no known price is refused up front (E_INVALID_REQUEST)
 * rather than running unchecked.
 */
export function resolveRunPricing(input: RunPricingInput): PriceBook {
  const { models, settings, maxCost } = input;
  const known = new Map<string, ModelPrice | null>();
  const book: PriceBook = {
    priceOf(provider, model) {
      const key = `${provider.name}\u0000${model}`;
      let price = known.get(key);
      if (price === undefined) {
        price = lookupPrice({ provider, model, overrides: settings?.prices });
        known.set(key, price);
      }
      return price;
    },
  };
  if (maxCost !== null) {
    const unknown = [...new Set(models.filter((m) => book.priceOf(m.provider, m.model) === null).map((m) => m.model))];
    if (unknown.length > 0) {
      throw new CorchError(
        'E_INVALID_REQUEST',
        `\`budget.max_cost\` needs known model prices, and the price of ${unknown.join(', ')} is unknown; ` +
          `set it with corch config set prices.${unknown[0]} <input>,<output> (USD per 1M tokens) on the server, or drop the cost budget.`,
        { status: 400, details: { field: 'budget.max_cost', models: unknown } },
      );
    }
  }
  return book;
}
