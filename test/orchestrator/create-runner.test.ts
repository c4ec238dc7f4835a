import { describe, expect, it, vi } from 'vitest';
import { createRunner, type ResolveProvider } from '../../src/orchestrator/index.js';
import { CorchError } from '../../src/protocol/errors.js';
import { createFakeProvider, stageScripts } from '../helpers/fake-provider.js';
import { harness } from './harness.js';

describe('createRunner', () => {
  it('prepare validates the request before resolving a provider', async () => {
    const resolveProvider = vi.fn<ResolveProvider>();
    const runner = createRunner({ env: {}, resolveProvider });
    await expect(runner.prepare!({ task: 'x', stages: { coder: { temperature: 5 } } })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
    });
    expect(resolveProvider).not.toHaveBeenCalled();
  });

  it('prepare answers provider problems as invalid requests, keeping the message', async () => {
    const runner = createRunner({
      env: {},
      resolveProvider: async () => {
        throw new CorchError('E_PROVIDER_AUTH', 'ANTHROPIC_API_KEY is not set on the server.');
      },
    });
    await expect(runner.prepare!({ task: 'x', provider: 'anthropic' })).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
      status: 400,
      message: 'ANTHROPIC_API_KEY is not set on the server.',
    });
  });

  it('passes the request and server environment to provider resolution, once per prepared request', async () => {
    const provider = createFakeProvider({ script: stageScripts(0) });
    const resolveProvider = vi.fn<ResolveProvider>(async () => ({ provider, reason: 'test' }));
    const settings = { provider: 'openai' as const };
    const fetchStub = (async () => new Response('')) as typeof fetch;
    const runner = createRunner({ env: { OPENAI_API_KEY: 'k' }, settings, fetch: fetchStub, resolveProvider });
    const request = { task: 'x', provider: 'openai', provider_options: { a: 1 } };
    await runner.prepare!(request);
    const h = harness(request);
    await runner.run(h.ctx);
    expect(resolveProvider).toHaveBeenCalledTimes(1);
    expect(resolveProvider).toHaveBeenCalledWith({
      name: 'openai',
      env: { OPENAI_API_KEY: 'k' },
      settings,
      fetch: fetchStub,
      providerOptions: { a: 1 },
    });
    expect(h.events.at(-1)?.event).toBe('task_completed');
    // A run of a request that was not prepared resolves on its own.
    await runner.run(harness({ task: 'y' }).ctx);
    expect(resolveProvider).toHaveBeenCalledTimes(2);
    expect(resolveProvider.mock.calls[1]?.[0]).not.toHaveProperty('name');
  });

  it('run rejects an invalid request too (when the server skipped prepare)', async () => {
    const runner = createRunner({ env: {}, resolveProvider: vi.fn<ResolveProvider>() });
    await expect(runner.run(harness({ task: 'x', budget: { max_seconds: -1 } }).ctx)).rejects.toMatchObject({
      code: 'E_INVALID_REQUEST',
    });
  });
});
