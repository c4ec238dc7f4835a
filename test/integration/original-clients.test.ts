import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/orchestrator/index.js';
import { createSimulatedProvider } from '../../src/providers/simulated.js';
import { closeServers, serve } from './server-harness.js';

afterEach(closeServers);

const run = promisify(execFile);
const CLIENT = fileURLToPath(new URL('../fixtures/original-clients/streaming_client.py', import.meta.url));

/** Why the Python client cannot run here, or undefined. */
const pythonMissing = await run('python3', ['-c', 'import requests'])
  .then(() => undefined)
  .catch(() => 'python3 with the requests package is not installed');

describe.skipIf(pythonMissing)('the original design’s Python clients, unchanged', () => {
  it('start a run with {task, context, stream: true} and read it to task_completed with the original metrics', async () => {
    const runner = createRunner({
      env: {},
      resolveProvider: async () => ({
        provider: createSimulatedProvider({ tokens_per_second: 0 }),
        reason: 'the test uses the offline simulated provider',
      }),
    });
    const server = await serve({ runner });
    const { stdout } = await run('python3', [CLIENT, 'Write a function that reverses a string'], {
      env: { ...process.env, FACILITAIR_API_BASE: server.url },
      timeout: 60_000,
    });
    const summary = JSON.parse(stdout) as {
      create_status: number;
      created_keys: string[];
      content_type: string;
      events: string[];
      agents: string[];
      token_chars: number;
      completed: { metrics: Record<string, number | null>; result_chars: number };
      status: string;
    };
    expect(summary.create_status).toBe(201);
    expect(summary.created_keys).toEqual(expect.arrayContaining(['stream_id', 'status', 'task']));
    expect(summary.content_type).toBe('text/event-stream; charset=utf-8');
    expect(summary.events[0]).toBe('task_started');
    expect(summary.events.at(-1)).toBe('task_completed');
    expect(summary.agents).toEqual(expect.arrayContaining(['Architect', 'Coder', 'Reviewer', 'Documenter']));
    expect(summary.token_chars).toBeGreaterThan(0);
    expect(summary.completed.result_chars).toBeGreaterThan(0);
    for (const key of ['quality', 'efficiency', 'harmony', 'overall']) {
      const value = summary.completed.metrics[key];
      expect([key, typeof value]).toEqual([key, 'number']);
      expect(value as number).toBeGreaterThanOrEqual(0);
      expect(value as number).toBeLessThanOrEqual(1);
    }
    expect(summary.status).toBe('completed');
  });
});
