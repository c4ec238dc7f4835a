import { describe, expect, it } from 'vitest';
import { openRouterPrices } from '../../src/providers/openrouter-prices.js';
import { createFakeProvider, stageScripts } from '../helpers/fake-provider.js';
import { ofType, runToEnd } from './harness.js';

/** A fetch that answers OpenRouter's models list and counts how often it was asked. */
function modelsFetch(models: unknown[], status = 200) {
  const calls: string[] = [];
  const fetchFn = (async (input: string | URL | Request) => {
    calls.push(String(input));
    return new Response(JSON.stringify({ data: models }), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetchFn, calls };
}

const LISTED = [
  { id: 'openai/gpt-4o-mini', pricing: { prompt: '0.00000015', completion: '0.0000006' } },
  { id: 'meta/free-model', pricing: { prompt: '0', completion: '0' } },
  { id: 'broken', pricing: { prompt: 'n/a' } },
];

describe('OpenRouter prices', () => {
  it('reads USD per token from the models endpoint as USD per 1M tokens, once per process', async () => {
    const { fetchFn, calls } = modelsFetch(LISTED);
    const base = 'http://openrouter.test/once/v1';
    const prices = await openRouterPrices(base, fetchFn);
    expect(prices).toEqual({ 'openai/gpt-4o-mini': { input: 0.15, output: 0.6 }, 'meta/free-model': { input: 0, output: 0 } });
    await openRouterPrices(`${base}/`, fetchFn);
    expect(calls).toEqual([`${base}/models`]);
  });

  it('a list that cannot be read gives no prices and is asked for again next time', async () => {
    const { fetchFn, calls } = modelsFetch([], 503);
    const base = 'http://openrouter.test/down/v1';
    expect(await openRouterPrices(base, fetchFn)).toEqual({});
    await new Promise((resolve) => setImmediate(resolve));
    await openRouterPrices(base, fetchFn);
    expect(calls).toHaveLength(2);
  });

  it("prices a run on OpenRouter's default model; a price set in config wins", async () => {
    const provider = createFakeProvider({ script: stageScripts(0), name: 'openrouter', defaultModel: 'openai/gpt-4o-mini' });
    Object.assign(provider, { baseUrl: 'http://openrouter.test/run/v1' });
    const { fetchFn } = modelsFetch(LISTED);
    const listed = await runToEnd(provider, { task: 'x' }, { fetch: fetchFn });
    expect(ofType(listed.events, 'task_completed')[0]!.cost).toBeGreaterThan(0);
    const overridden = await runToEnd(provider, { task: 'x' }, { fetch: fetchFn, settings: { prices: { 'openai/gpt-4o-mini': { input: 0, output: 0 } } } });
    expect(ofType(overridden.events, 'task_completed')[0]!.cost).toBe(0);
  });
});
