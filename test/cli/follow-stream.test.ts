import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CorchClient, SubscribeOptions, SubscribeResult, TerminalEvent } from '../../src/client/index.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { CANCEL_GRACE_MS, followStream, startTimeout, streamBatchMs, VIEW_BATCH_MS } from '../../src/cli/follow-stream.js';
import type { CorchEvent } from '../../src/protocol/events.js';
import type { StreamState } from '../../src/protocol/stream-state.js';
import type { RenderNotice, Renderer } from '../../src/render/index.js';
import { fakeIo } from './fake-io.js';

const envelope = { stream_id: 's1', timestamp: '2026-01-01T00:00:00Z' };
const cancelled: TerminalEvent = {
  event: 'task_error',
  data: { ...envelope, seq: 3, error: 'cancelled', details: null, code: 'E_CANCELLED', stage: null, retryable: false },
};

/** A client whose stream is driven by the test: `emit` events, `end` it, or let `cancel` end it. */
function fakeClient(options: { cancelEnds?: boolean } = {}) {
  let sub: SubscribeOptions | undefined;
  let finish: ((result: SubscribeResult) => void) | undefined;
  let fail: ((error: unknown) => void) | undefined;
  const calls = { cancel: 0, subscribe: 0 };
  const client = {
    baseUrl: 'http://x',
    subscribe(_id: string, o: SubscribeOptions) {
      calls.subscribe += 1;
      sub = o;
      return new Promise<SubscribeResult>((resolve, reject) => {
        finish = resolve;
        fail = reject;
        o.signal?.addEventListener('abort', () => reject(o.signal?.reason));
      });
    },
    async cancel() {
      calls.cancel += 1;
      if (options.cancelEnds) setTimeout(() => end(cancelled), 10);
      return undefined;
    },
    async status() {
      return { status: 'completed' } as StreamState;
    },
  } as unknown as CorchClient;
  const end = (terminal: TerminalEvent | null): void => {
    if (terminal) sub?.onEvent(terminal as CorchEvent);
    finish?.({ terminal, lastSeq: 3, reconnects: 0, lost: 0 });
  };
  return { client, calls, end, fail: (e: unknown) => fail?.(e), emit: (e: CorchEvent) => sub?.onEvent(e), options: () => sub };
}

function fakeRenderer() {
  const seen = { events: [] as string[], notices: [] as RenderNotice[], resized: 0 };
  const renderer: Renderer = {
    mode: 'plain',
    event: (e) => seen.events.push(e.event),
    notice: (n) => seen.notices.push(n),
    resize: () => {
      seen.resized += 1;
    },
    finish: async () => {},
    dispose: () => {},
  };
  return { renderer, seen };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('followStream', () => {
  it('a completed run exits 0 and unsubscribes its signal handlers', async () => {
    const io = fakeIo([]);
    const { client, end } = fakeClient();
    const { renderer, seen } = fakeRenderer();
    const done = followStream({ client, streamId: 's1', renderer, io, owner: true });
    io.signal('SIGWINCH');
    end({ event: 'task_completed', data: { ...envelope, seq: 3 } as TerminalEvent['data'] } as TerminalEvent);
    const outcome = await done;
    expect(outcome.code).toBe(EXIT.OK);
    expect(seen.resized).toBe(1);
    expect(seen.events).toEqual(['task_completed']);
    expect(io.listeners()).toBe(0);
  });

  it('the first Ctrl-C cancels on the server and waits for E_CANCELLED', async () => {
    const io = fakeIo([]);
    const { client, calls } = fakeClient({ cancelEnds: true });
    const { renderer, seen } = fakeRenderer();
    const done = followStream({ client, streamId: 's1', renderer, io, owner: true });
    io.signal('SIGINT');
    const outcome = await done;
    expect(calls.cancel).toBe(1);
    expect(seen.notices).toContainEqual({ type: 'cancelling' });
    expect(outcome).toMatchObject({ code: EXIT.CANCELLED, abandoned: false, terminal: cancelled });
  });

  it('the second Ctrl-C gives up at once', async () => {
    const io = fakeIo([]);
    const { client, calls } = fakeClient();
    const { renderer } = fakeRenderer();
    const done = followStream({ client, streamId: 's1', renderer, io, owner: true });
    io.signal('SIGINT');
    io.signal('SIGINT');
    const outcome = await done;
    expect(calls.cancel).toBe(1);
    expect(outcome).toMatchObject({ code: EXIT.CANCELLED, abandoned: true });
    expect(io.listeners()).toBe(0);
  });

  it('without a confirmation, exits CANCELLED after the grace period', async () => {
    vi.useFakeTimers();
    const io = fakeIo([]);
    const { client } = fakeClient();
    const { renderer } = fakeRenderer();
    const done = followStream({ client, streamId: 's1', renderer, io, owner: true });
    io.signal('SIGINT');
    await vi.advanceTimersByTimeAsync(CANCEL_GRACE_MS);
    expect((await done).code).toBe(EXIT.CANCELLED);
  });

  it('--timeout cancels the run and exits TIMEOUT', async () => {
    vi.useFakeTimers();
    const io = fakeIo([]);
    const { client, calls } = fakeClient({ cancelEnds: true });
    const { renderer } = fakeRenderer();
    const done = followStream({ client, streamId: 's1', renderer, io, owner: true, timeout: startTimeout(2) });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls.cancel).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(await done).toMatchObject({ code: EXIT.TIMEOUT, interrupted: 'timed out after 2s' });
  });

  it('SIGTERM and SIGHUP cancel the run like Ctrl-C: run owns its run', async () => {
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
      const io = fakeIo([]);
      const { client, calls } = fakeClient({ cancelEnds: true });
      const { renderer } = fakeRenderer();
      const done = followStream({ client, streamId: 's1', renderer, io, owner: true });
      io.signal(signal);
      expect(await done).toMatchObject({ code: EXIT.CANCELLED, interrupted: `cancelled (${signal})` });
      expect(calls.cancel).toBe(1);
    }
  });

  it('a watcher (attach) stops watching on Ctrl-C and leaves the run alone', async () => {
    const io = fakeIo([]);
    const { client, calls } = fakeClient();
    const { renderer, seen } = fakeRenderer();
    const done = followStream({ client, streamId: 's1', renderer, io, owner: false });
    io.signal('SIGINT');
    expect(await done).toMatchObject({ code: EXIT.INTERRUPTED, abandoned: false, interrupted: 'stopped watching (Ctrl-C)' });
    expect(calls.cancel).toBe(0);
    expect(JSON.stringify(seen.notices)).toContain('corch cancel s1');
    expect(io.listeners()).toBe(0);
  });

  it("a watcher's --timeout stops watching without cancelling", async () => {
    vi.useFakeTimers();
    const io = fakeIo([]);
    const { client, calls } = fakeClient();
    const { renderer } = fakeRenderer();
    const done = followStream({ client, streamId: 's1', renderer, io, owner: false, timeout: startTimeout(2) });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await done).toMatchObject({ code: EXIT.TIMEOUT, interrupted: 'stopped watching after 2s (--timeout)' });
    expect(calls.cancel).toBe(0);
  });

  it('a failed run exits 1; a client error is handed back with its exit code', async () => {
    const io = fakeIo([]);
    const a = fakeClient();
    const failing = followStream({ client: a.client, streamId: 's1', renderer: fakeRenderer().renderer, io, owner: true });
    a.end({ ...cancelled, data: { ...cancelled.data, code: 'E_PROVIDER_AUTH' } });
    expect((await failing).code).toBe(EXIT.RUN_FAILED);

    const b = fakeClient();
    const broken = followStream({ client: b.client, streamId: 's1', renderer: fakeRenderer().renderer, io, owner: true });
    const error = Object.assign(new Error('gone'), { code: 'E_UNREACHABLE' });
    b.fail(error);
    expect(await broken).toMatchObject({ code: EXIT.UNREACHABLE, error });
  });

  it('a stream that had already ended (204) takes its exit code from the status', async () => {
    const io = fakeIo([]);
    const { client, end } = fakeClient();
    const done = followStream({ client, streamId: 's1', renderer: fakeRenderer().renderer, io, owner: true });
    end(null);
    expect((await done).code).toBe(EXIT.OK);
  });
});

describe('batching', () => {
  it('asks for a batch window for the terminal views and none for json', () => {
    expect(streamBatchMs('tty')).toBe(VIEW_BATCH_MS);
    expect(streamBatchMs('plain')).toBe(VIEW_BATCH_MS);
    expect(streamBatchMs('json')).toBe(0);
  });

  it('passes the window to the subscription', async () => {
    const { client, end, options } = fakeClient();
    const { renderer } = fakeRenderer();
    const io = fakeIo([]);
    const following = followStream({ client, streamId: 's1', renderer, io, owner: true, batchMs: 50 });
    expect(options()?.batchMs).toBe(50);
    end(cancelled);
    await following;
  });
});
