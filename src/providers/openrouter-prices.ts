import type { ModelPrice } from '../orchestrator/settings.js';

/** How long the models list may take before a run goes on with the prices it knows. */
export const OPENROUTER_PRICES_TIMEOUT_MS = 5_000;

/** One entry of `GET {baseUrl}/models`, as OpenRouter sends it: prices in USD per token, as strings. */
interface ListedModel {
  id?: unknown;
  pricing?: { prompt?: unknown; completion?: unknown };
}

// Once per process and base URL: the list is large and changes rarely, and every run would ask again.
const loaded = new Map<string, Promise<Record<string, ModelPrice>>>();

/**
 * OpenRouter's prices for every model it lists, in USD per 1M input and output tokens, read from its
 * models endpoint once per process (and base URL) and cached. So the models corch picks for OpenRouter are
 * priced without a table of its own. A list that cannot be read gives no prices (costs stay unknown, and
 * the run says how to set them), and is asked for again by the next run.
 */
export function openRouterPrices(baseUrl: string, fetchFn: typeof fetch): Promise<Record<string, ModelPrice>> {
  const key = baseUrl.replace(/\/+$/, '');
  let prices = loaded.get(key);
  if (prices === undefined) {
    prices = load(key, fetchFn);
    loaded.set(key, prices);
    prices.then(
      (found) => {
        if (Object.keys(found).length === 0) loaded.delete(key);
      },
      () => loaded.delete(key),
    );
  }
  return prices;
}

async function load(baseUrl: string, fetchFn: typeof fetch): Promise<Record<string, ModelPrice>> {
  try {
    const response = await fetchFn(`${baseUrl}/models`, { signal: AbortSignal.timeout(OPENROUTER_PRICES_TIMEOUT_MS) });
    if (!response.ok) return {};
    const body = (await response.json()) as { data?: unknown };
    const out: Record<string, ModelPrice> = {};
    for (const model of Array.isArray(body.data) ? (body.data as ListedModel[]) : []) {
      const input = perMillion(model.pricing?.prompt);
      const output = perMillion(model.pricing?.completion);
      if (typeof model.id === 'string' && input !== null && output !== null) out[model.id] = { input, output };
    }
    return out;
  } catch {
    return {};
  }
}

/** "0.0000025" USD per token → 2.5 USD per 1M tokens; null for anything that is not a price. */
function perMillion(value: unknown): number | null {
  const n = typeof value === 'string' || typeof value === 'number' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1e6 * 1e6) / 1e6 : null;
}
