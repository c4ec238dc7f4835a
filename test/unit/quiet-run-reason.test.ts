import { describe, expect, it } from 'vitest';
import type { StoredEvent, StreamState } from '../../src/protocol/index.js';
import { retryNote } from '../../src/orchestrator/run-messages.js';
import { initialDashboardState, reduceDashboard, renderDashboard } from '../../src/render/index.js';
import { heartbeatData } from '../../src/server/stream-follower.js';
import { reduceStreamState } from '../../src/streams/index.js';
import { runEvents } from '../render/fixtures.js';

// Heartbeats say why a run is quiet: waiting for a first token, or for a provider retry.
const T = '2025-01-01T12:00:00.000Z';
const env = (seq: number) => ({ stream_id: 's', seq, timestamp: T });

function state(): StreamState {
  return {
    stream_id: 's', task: 't', status: 'running', total_chunks: 6, chunks_completed: 0, current_agent: null,
    current_stage: null, error_message: null, estimated_time: null, estimated_cost: null, actual_cost: null,
    created_at: T, updated_at: T, last_event_id: 0, result: null,
  };
}

const started: StoredEvent = {
  event: 'chunk_started',
  data: {
    ...env(1),
    chunk_number: 2,
    agent: 'Coder',
    stage: 'coder',
    description: 'Write the code',
    total_chunks: 6,
    iteration: 0,
    model: 'gpt-4o',
  },
};
const retry = retryNote('Coder', 'gpt-4o', {
  code: 'E_PROVIDER_RATE_LIMIT', message: 'slow down', attempt: 1, maxAttempts: 3, delayMs: 2000,
});
const retried: StoredEvent = { event: 'system_message', data: { ...env(2), ...retry } };
const token: StoredEvent = {
  event: 'token_stream',
  data: { ...env(3), tokens: 'def', agent: 'Coder', chunk_number: 2, stage: 'coder' },
};

describe('why a run is quiet', () => {
  it('is the first token once a chunk starts, the retry while one waits, and nothing once tokens flow', () => {
    let s = reduceStreamState(state(), started);
    expect(s.waiting_for).toBe('the first token from Coder');
    s = reduceStreamState(s, retried);
    expect(s.waiting_for).toBe('a retry of Coder (attempt 2 of 3): rate limited by the provider');
    expect(heartbeatData(s, Date.parse(T) + 5000)).toMatchObject({ waiting: s.waiting_for, idle_ms: 5000 });
    s = reduceStreamState(s, token);
    expect(s.waiting_for).toBeNull();
    expect(heartbeatData(s, Date.parse(T)).waiting).toBeNull();
  });

  it('leaves a state that never waited without the field, and a plain message does not start a wait', () => {
    const plain: StoredEvent = { event: 'system_message', data: { ...env(1), message: 'hello', level: 'info' } };
    const s = reduceStreamState(reduceStreamState(state(), plain), token);
    expect('waiting_for' in s).toBe(false);
  });

  it('is shown on the live dashboard until the next token, and not on the final screen', () => {
    let d = initialDashboardState();
    for (const event of runEvents().slice(0, 4)) d = reduceDashboard(d, event);
    d = reduceDashboard(d, {
      event: 'heartbeat',
      data: { ...env(4), status: 'running', current_agent: 'Coder', idle_ms: 15_000, waiting: 'the first token from Coder' },
    });
    const screen = (full: boolean) => renderDashboard(d, { width: 100, height: 30, color: false, now: Date.parse(T), full });
    expect(screen(false)).toContain('waiting for the first token from Coder');
    expect(screen(true)).not.toContain('waiting for');
    d = reduceDashboard(d, token);
    expect(d.waiting).toBeNull();
    expect(screen(false)).not.toContain('waiting for');
  });
});
