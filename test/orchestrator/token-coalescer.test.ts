import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenCoalescer } from '../../src/orchestrator/token-coalescer.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TokenCoalescer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('merges the deltas of one event-loop turn into one write', async () => {
    const writes: string[] = [];
    const c = new TokenCoalescer(async (t) => {
      writes.push(t);
    }, 0);
    c.push('a');
    c.push('b');
    await Promise.resolve();
    c.push('c');
    await turn();
    c.push('d');
    await c.flush();
    expect(writes).toEqual(['abc', 'd']);
  });

  it('ignores empty deltas and writes nothing when there is nothing to write', async () => {
    const sink = vi.fn(async () => {});
    const c = new TokenCoalescer(sink);
    c.push('');
    await turn();
    await c.flush();
    expect(sink).not.toHaveBeenCalled();
  });

  it('keeps order with a slow sink, joining what arrives during a write into the next', async () => {
    const writes: string[] = [];
    let release: (() => void) | undefined;
    const c = new TokenCoalescer(async (t) => {
      writes.push(t);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    }, 0);
    c.push('1');
    await turn(); // '1' is being written and the sink is stuck
    c.push('2');
    await turn();
    c.push('3');
    await turn();
    expect(writes).toEqual(['1']);
    const flushed = c.flush();
    release?.();
    await turn();
    release?.();
    await flushed;
    expect(writes).toEqual(['1', '23']);
  });

  it('loses and reorders nothing under random chunking', async () => {
    const text = 'The quick brown 🦊 jumps over the lazy 🐶 — naïve café, 日本語 text.\r\n'.repeat(20);
    for (let seed = 1; seed <= 20; seed++) {
      let s = seed;
      const rand = () => {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        return s / 2 ** 31;
      };
      const writes: string[] = [];
      const c = new TokenCoalescer(async (t) => {
        if (rand() < 0.3) await turn();
        writes.push(t);
      });
      for (let i = 0; i < text.length; ) {
        const n = 1 + Math.floor(rand() * 7);
        c.push(text.slice(i, i + n));
        i += n;
        if (rand() < 0.4) await turn();
      }
      await c.flush();
      expect(writes.join('')).toBe(text);
      expect(writes.every((w) => w.length > 0)).toBe(true);
    }
  });

  it('with a window, writes an isolated delta at the end of its turn and a fast stream once per window', async () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const c = new TokenCoalescer(
      async (t) => {
        writes.push(t);
      },
      { windowMs: 5 },
    );
    // The window counts from the coalescer's creation (its chunk_started was just written).
    c.push('a');
    await vi.advanceTimersByTimeAsync(4);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual(['a']);
    const wroteA = Date.now();
    c.push('b');
    await vi.advanceTimersByTimeAsync(3);
    c.push('c');
    expect(writes).toEqual(['a']);
    // 5 ms after the write of 'a' started, not 5 ms after 'b' arrived.
    await vi.advanceTimersByTimeAsync(wroteA + 5 - Date.now());
    expect(writes).toEqual(['a', 'bc']);
    await vi.advanceTimersByTimeAsync(20);
    c.push('d');
    // Leading edge: nothing was written for a while, so no timer is waited for.
    await vi.advanceTimersByTimeAsync(0);
    expect(writes).toEqual(['a', 'bc', 'd']);
    c.push('e');
    await c.flush();
    expect(writes).toEqual(['a', 'bc', 'd', 'e']);
  });

  it('with a 0 ms window, writes every turn that has deltas', async () => {
    const writes: string[] = [];
    const c = new TokenCoalescer(async (t) => {
      writes.push(t);
    }, 0);
    c.push('a');
    c.push('b');
    await turn();
    c.push('c');
    await turn();
    await c.flush();
    expect(writes).toEqual(['ab', 'c']);
  });

  it('reports a sink failure on flush', async () => {
    const c = new TokenCoalescer(async () => {
      throw new Error('store down');
    });
    c.push('x');
    await turn();
    c.push('y');
    await expect(c.flush()).rejects.toThrow('store down');
  });

  it('discard drops pending text', async () => {
    const writes: string[] = [];
    const c = new TokenCoalescer(async (t) => {
      writes.push(t);
    });
    c.push('gone');
    c.discard();
    await turn();
    await c.flush();
    expect(writes).toEqual([]);
  });
});
