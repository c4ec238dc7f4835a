import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/protocol/index.js';
import { initialDashboardState, reduceDashboard } from '../../src/render/index.js';
import { runEvents } from './fixtures.js';

describe('reduceDashboard', () => {
  it('adds a row when a refine round that was not planned starts', () => {
    const events = runEvents();
    const completedAt = events.findIndex((e) => e.event === 'task_completed');
    const extra: StoredEvent = {
      event: 'chunk_started',
      data: {
        stream_id: 'str_test',
        seq: 999,
        timestamp: '2025-01-01T12:10:00.000Z',
        chunk_number: 7,
        agent: 'Refiner',
        stage: 'refiner',
        description: 'Address the second review',
        total_chunks: 8,
        iteration: 2,
        model: 'sim-1',
      },
    };
    const state = [...events.slice(0, completedAt), extra].reduce(reduceDashboard, initialDashboardState());
    expect(state.rows.map((r) => `${r.agent}:${r.iteration}:${r.status}`).slice(-2)).toEqual([
      'Documenter:0:done',
      'Refiner:2:working',
    ]);
    expect(state.totalChunks).toBe(8);
    expect(state.panes).toMatchObject([{ chunk: 7, text: '' }]);
  });

  it('marks planned rounds that did not run as skipped when the run completes', () => {
    const events = runEvents().filter((e) => !('chunk_number' in e.data) || e.data.chunk_number !== 5);
    const state = events.reduce(reduceDashboard, initialDashboardState());
    expect(state.rows.find((r) => r.chunk === 5)?.status).toBe('skipped');
    expect(state.phase).toBe('completed');
  });

  it('turns connection notices into a status line and counts reconnects and losses', () => {
    let state = reduceDashboard(initialDashboardState(), { type: 'connecting', url: 'http://h/api/stream/events/x' });
    expect(state.connection?.text).toBe('connecting to http://h/api/stream/events/x');
    state = reduceDashboard(state, { type: 'connected', url: 'u', lost: 0 });
    expect(state).toMatchObject({ phase: 'waiting', connection: null });
    state = reduceDashboard(state, { type: 'reconnecting', attempt: 2, maxAttempts: 10, delayMs: 2000, reason: 'ECONNREFUSED' });
    expect(state.connection).toEqual({
      level: 'warn',
      text: 'connection lost (ECONNREFUSED); reconnecting in 2.0s (attempt 2/10)',
    });
    state = reduceDashboard(state, { type: 'reconnected', attempt: 1, lost: 3, lastSeq: 40 });
    expect(state).toMatchObject({ reconnects: 1, lost: 3 });
    expect(state.connection?.text).toContain('3 events were no longer on the server');
  });

  it('is pure: the input state is not changed', () => {
    const start = initialDashboardState();
    const copy = structuredClone(start);
    runEvents().reduce(reduceDashboard, start);
    expect(start).toEqual(copy);
  });
});
