import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '../../src/protocol/index.js';
import { createRenderer, MAX_REDRAWS_PER_SECOND, REDRAW_INTERVAL_MS } from '../../src/render/index.js';
import type { TtyRenderer } from '../../src/render/tty-renderer.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { capture, stripAnsi } from './capture.js';
import { runEvents } from './fixtures.js';

const HIDE = '\u001b[?25l';
const SHOW = '\u001b[?25h';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2025-01-01T12:00:02Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(columns = 80) {
  const stderr = capture({ isTTY: true, columns, rows: 30 });
  const stdout = capture({ isTTY: true });
  let cols = columns;
  const renderer = createRenderer('tty', {
    stdout,
    stderr,
    env: {},
    now: () => Date.now(),
    columns: () => cols,
    rows: () => 30,
  }) as TtyRenderer;
  return { renderer, stderr, stdout, setColumns: (n: number) => (cols = n) };
}

function token(seq: number, text: string): StoredEvent {
  return {
    event: 'token_stream',
    data: { stream_id: 's', seq, timestamp: '2025-01-01T12:00:03Z', tokens: text, agent: 'Architect', chunk_number: 1, stage: 'architect' },
  };
}

describe('tty renderer', () => {
  const events = runEvents();
  const firstToken = events.findIndex((e) => e.event === 'token_stream');

  it('shows a spinner until the first token, then the dashboard', () => {
    const { renderer, stderr } = setup();
    renderer.notice({ type: 'connecting', url: 'http://127.0.0.1:1/x' });
    for (const e of events.slice(0, firstToken)) renderer.event(e);
    expect(renderer.frames).toBe(0);
    vi.advanceTimersByTime(200);
    expect(stripAnsi(stderr.text())).toContain('Architect is starting…');
    renderer.event(events[firstToken]!);
    expect(renderer.frames).toBe(1);
    renderer.dispose();
  });

  it('redraws on the injected clock: nothing moves until it does', () => {
    const clock = new ManualClock(Date.parse('2025-01-01T12:00:02Z'));
    const stderr = capture({ isTTY: true, columns: 80, rows: 30 });
    const renderer = createRenderer('tty', {
      stdout: capture({ isTTY: true }),
      stderr,
      env: {},
      clock,
      columns: () => 80,
      rows: () => 30,
    }) as TtyRenderer;
    for (const e of events.slice(0, firstToken + 1)) renderer.event(e);
    expect(renderer.frames).toBe(1);
    for (let i = 0; i < 500; i++) renderer.event(token(100 + i, 'x'));
    // The real timers run (they are faked here too) and change nothing: the dashboard's are on `clock`.
    vi.advanceTimersByTime(10 * REDRAW_INTERVAL_MS);
    expect(renderer.frames).toBe(1);
    clock.advance(REDRAW_INTERVAL_MS);
    expect(renderer.frames).toBe(2);
    const before = renderer.frames;
    for (let i = 0; i < 500; i++) {
      renderer.event(token(1000 + i, 'y '));
      clock.advance(2);
    }
    expect(renderer.frames - before).toBeLessThanOrEqual(MAX_REDRAWS_PER_SECOND + 1);
    expect(renderer.frames - before).toBeGreaterThan(5);
    renderer.dispose();
    expect(clock.pending).toBe(0);
  });

  it(`never draws one frame per token: a burst is one frame, a steady stream at most ${MAX_REDRAWS_PER_SECOND}/s`, () => {
    const { renderer } = setup();
    for (const e of events.slice(0, firstToken)) renderer.event(e);
    for (let i = 0; i < 500; i++) renderer.event(token(100 + i, 'x'));
    expect(renderer.frames).toBe(1);
    vi.advanceTimersByTime(REDRAW_INTERVAL_MS);
    expect(renderer.frames).toBe(2);
    const before = renderer.frames;
    // One second of tokens every 2 ms (500 tokens/s).
    for (let i = 0; i < 500; i++) {
      renderer.event(token(1000 + i, 'y '));
      vi.advanceTimersByTime(2);
    }
    expect(renderer.frames - before).toBeLessThanOrEqual(MAX_REDRAWS_PER_SECOND + 1);
    expect(renderer.frames - before).toBeGreaterThan(5);
    renderer.dispose();
  });

  it('keeps the final screen, prints the result on stdout and restores the cursor', async () => {
    const { renderer, stderr, stdout } = setup();
    for (const e of events) renderer.event(e);
    await renderer.finish({});
    const err = stderr.text();
    expect(err.lastIndexOf(SHOW)).toBeGreaterThan(err.lastIndexOf(HIDE));
    expect(stripAnsi(err)).toContain('✔ done in 14.2s · 600 in + 300 out tokens · $0.00');
    expect(stdout.text()).toBe('Refiner output line one\nand line two for chunk 4\n');
  });

  it('names the saved file instead of printing the result when --output was given', async () => {
    const { renderer, stderr, stdout } = setup();
    for (const e of events) renderer.event(e);
    await renderer.finish({ outputPath: 'out.md' });
    expect(stdout.text()).toBe('');
    expect(stripAnsi(stderr.text())).toContain('result saved to out.md');
  });

  it('redraws at the new width on resize', () => {
    const { renderer, stderr, setColumns } = setup(100);
    for (const e of events.slice(0, firstToken + 1)) renderer.event(e);
    setColumns(40);
    const frames = renderer.frames;
    renderer.resize();
    expect(renderer.frames).toBe(frames + 1);
    const last = stripAnsi(stderr.chunks.at(-1) ?? '');
    expect(last).toContain('0/6 chunks');
    for (const line of last.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    renderer.dispose();
  });

  it('restores the cursor on dispose, even mid-run, and stops drawing', () => {
    const { renderer, stderr } = setup();
    for (const e of events.slice(0, firstToken + 3)) renderer.event(e);
    renderer.dispose();
    renderer.dispose();
    expect(stderr.text().endsWith(SHOW)).toBe(true);
    const frames = renderer.frames;
    renderer.event(token(9999, 'late'));
    vi.advanceTimersByTime(1000);
    expect(renderer.frames).toBe(frames);
  });
});
