import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSseDecoder } from '../../src/protocol/sse.js';
import { cliEnv, killAll, startServeProcess, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('corch-e2e-serve-');
});
afterEach(() => killAll());
afterAll(() => tmp.remove());

describe('corch serve as a process', () => {
  it('prints its URL, runs a task posted with fetch, streams it over SSE and exits 0 on SIGTERM', async () => {
    const { proc, url } = await startServeProcess(cliEnv(tmp.dir));
    const created = await fetch(`${url}/api/stream/task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'a CSV parser', provider: 'simulated', provider_options: { tokens_per_second: 0 } }),
    });
    expect(created.status).toBe(201);
    const { stream_id: id } = (await created.json()) as { stream_id: string };

    const response = await fetch(`${url}/api/stream/events/${id}`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const names: string[] = [];
    const seqs: number[] = [];
    const decoder = createSseDecoder({
      onEvent: ({ event }) => {
        names.push(event.event);
        if (event.event !== 'heartbeat') seqs.push(event.data.seq);
      },
    });
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) decoder.feed(chunk);

    expect(names[0]).toBe('task_started');
    expect(names.at(-1)).toBe('task_completed');
    expect(names).toContain('token_stream');
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain('SIGTERM');
  });

  it('SIGTERM shuts down gracefully: a running stream ends with E_SHUTDOWN before the exit', async () => {
    const { proc, url } = await startServeProcess(cliEnv(tmp.dir));
    const created = await fetch(`${url}/api/stream/task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'x', provider: 'simulated', provider_options: { fail_stage: 'coder', fail_mode: 'hang' } }),
    });
    const { stream_id: id } = (await created.json()) as { stream_id: string };
    const response = await fetch(`${url}/api/stream/events/${id}`);
    let last: { event: string; code?: string } | undefined;
    let sawCoder = false;
    const decoder = createSseDecoder({
      onEvent: ({ event }) => {
        if (event.event === 'chunk_started' && event.data.stage === 'coder') {
          sawCoder = true;
          proc.child.kill('SIGTERM');
        }
        if (event.event !== 'heartbeat') last = { event: event.event, ...(event.event === 'task_error' ? { code: event.data.code } : {}) };
      },
    });
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) decoder.feed(chunk);
    expect(sawCoder).toBe(true);
    expect(last).toEqual({ event: 'task_error', code: 'E_SHUTDOWN' });
    expect((await proc.exited).code).toBe(0);
  });
});
