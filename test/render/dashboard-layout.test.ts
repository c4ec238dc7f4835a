import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { CorchEvent } from '../../src/protocol/index.js';
import { type DashboardState, initialDashboardState, reduceDashboard, renderDashboard } from '../../src/render/index.js';
import { hasEscape, stripAnsi } from './capture.js';
import { runEvents } from './fixtures.js';

const NOW = Date.parse('2025-01-01T12:00:30Z');

function reduce(events: readonly CorchEvent[], until = events.length): DashboardState {
  return events.slice(0, until).reduce(reduceDashboard, initialDashboardState());
}

function screen(state: DashboardState, width: number, height = 30, now = NOW): string[] {
  const text = renderDashboard(state, { width, height, color: false, now });
  expect(hasEscape(text)).toBe(false);
  return text.split('\n');
}

function expectFits(lines: string[], width: number, height: number): void {
  expect(lines.length).toBeLessThanOrEqual(height);
  for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(width);
}

/** Index of the first event of `name` for `chunk`. */
function indexOf(events: CorchEvent[], name: string, chunk: number): number {
  return events.findIndex((e) => e.event === name && 'chunk_number' in e.data && e.data.chunk_number === chunk);
}

describe('renderDashboard', () => {
  const events = runEvents({ simulated: false });
  const midReview = indexOf(events, 'chunk_started', 4);

  it('shows the header, one row per stage, the live pane, the bar and the hint on a wide terminal', () => {
    const lines = screen(reduce(events, midReview + 3), 120);
    expectFits(lines, 120, 30);
    expect(lines[0]).toBe('corch Write a fizzbuzz function');
    expect(lines[1]).toMatch(/^openai · gpt-4o · 29\.0s · [\d.]+ tok\/s · \$0\.0[0-9]+ of ~\$0\.05$/);
    expect(lines).toContainEqual(expect.stringMatching(/^✔ Architect\s+1\.6s · 50 tok · \$0\.0042$/));
    expect(lines).toContainEqual(expect.stringMatching(/^✔ Reviewer · round 1\s+1\.8s/));
    expect(lines).toContainEqual(expect.stringMatching(/^⠋ Refiner · round 1\s+[\d.]+s · ~2 tok · Address the review$/));
    expect(lines).toContainEqual(expect.stringMatching(/^· Documenter\s+Write the docs$/));
    expect(lines).toContainEqual(expect.stringMatching(/^─ Refiner · round 1 ─+$/));
    expect(lines.at(-2)).toMatch(/^█+░+ 3\/6 chunks$/);
    expect(lines.at(-1)).toBe('Ctrl-C to cancel');
  });

  it('fits a 40-column terminal: compact round labels, cut descriptions, wrapped output', () => {
    const lines = screen(reduce(events, midReview + 3), 40, 20);
    expectFits(lines, 40, 20);
    expect(lines).toContainEqual(expect.stringMatching(/^✔ Reviewer 1 /));
    expect(lines).toContainEqual(expect.stringMatching(/^⠋ Refiner 1 /));
    expect(lines.at(-2)).toMatch(/ 3\/6 chunks$/);
  });

  it('keeps the progress bar and hint on a very short terminal, and says how many rows are hidden', () => {
    const lines = screen(reduce(events, midReview + 3), 60, 8);
    expectFits(lines, 60, 8);
    expect(lines.at(-1)).toBe('Ctrl-C to cancel');
    expect(lines.join('\n')).toMatch(/… (\d+ above, )?\d+ below/);
  });

  it('wraps a long unbroken line and keeps only the tail that fits', () => {
    const long = `${'x'.repeat(5_000)}\nlast line`;
    const state = reduce(runEvents({ outputs: { architect: long } }), 4 + Math.ceil(long.length / 7) - 1);
    const lines = screen(state, 50, 20);
    expectFits(lines, 50, 20);
    expect(lines).toContain('x'.repeat(50));
    expect(lines.at(-3)).toBe('last line');
  });

  it('measures East Asian wide characters and emoji by display width', () => {
    const text = `${'日本語の出力です。'.repeat(8)} 👩‍👩‍👧 🎉 done\n`;
    const state = reduce(runEvents({ task: '絵文字 🎉 と漢字のタスク', outputs: { architect: text } }), 12);
    for (const width of [40, 41, 77]) {
      const lines = screen(state, width);
      expectFits(lines, width, 30);
      expect(lines[0]).toBe('corch 絵文字 🎉 と漢字のタスク');
    }
    expect(screen(state, 41).some((line) => line.includes('日本語'))).toBe(true);
  });

  it('strips escape sequences and control characters that a model put in its output', () => {
    const state = reduce(runEvents({ outputs: { architect: 'safe \u001b]0;pwned\u0007\u001b[2Jtext\n' } }), 6);
    const lines = screen(state, 80);
    expect(lines.join('\n')).not.toContain('\u0007');
    expect(lines).toContainEqual(expect.stringContaining('safe'));
  });

  it('labels a simulated run where it cannot be missed', () => {
    const lines = screen(reduce(runEvents({ simulated: true }), 3), 40);
    expect(lines[1]).toBe('[simulated — no model was called]');
    expect(screen(reduce(runEvents({ simulated: true }), 3), 40, 4)[1]).toBe('[simulated — no model was called]');
    expect(screen(reduce(events, 3), 40).join('\n')).not.toContain('simulated');
  });

  it('marks the failed stage and ends with the error code', () => {
    const failed = runEvents({ fail: { stage: 'coder', message: 'provider went away\nstack…' } });
    const lines = screen(reduce(failed), 80);
    expect(lines).toContainEqual(expect.stringMatching(/^✖ Coder\s+failed after 2\.0s$/));
    expect(lines.at(-1)).toBe('✖ failed (E_SIMULATED_FAILURE): provider went away');
    expect(lines.join('\n')).not.toContain('Ctrl-C');
  });

  it('shows a cancelled run as cancelled', () => {
    const cancelled = runEvents({ fail: { stage: 'reviewer', code: 'E_CANCELLED', message: 'cancelled by the user' } });
    expect(screen(reduce(cancelled), 80).at(-1)).toMatch(/^cancelled after /);
  });

  it('draws the same final screen whatever the clock says (so a replay matches the run)', () => {
    const done = reduce(runEvents());
    const a = screen(done, 80, 30, NOW);
    expect(screen(done, 80, 30, NOW + 3_600_000)).toEqual(a);
    expect(a.at(-1)).toBe('✔ done in 14.2s · 600 in + 300 out tokens · $0.00');
    expect(a.join('\n')).not.toContain('─ ');
  });

  it('the final screen is a complete record: every row, every warning in full, whatever the height', () => {
    const log = runEvents();
    const warning = 'Too little of the 45 s time budget is left for refine round 2: documenting the code as it stands. Raise --max-seconds for more rounds.';
    const at = log.findIndex((e) => e.event === 'task_completed');
    log.splice(at, 0, { event: 'system_message', data: { stream_id: 'str_test', seq: 900, timestamp: '2025-01-01T12:00:20.000Z', message: warning, level: 'warn' } });
    const done = reduce(log);
    const live = screen(done, 60, 10);
    expect(live.join('\n')).toContain('below');
    const text = renderDashboard(done, { width: 60, height: 10, color: false, now: NOW, full: true });
    const lines = text.split('\n');
    expect(text).not.toMatch(/… \d+ (above|below)/);
    for (const agent of ['Architect', 'Coder', 'Reviewer · round 1', 'Refiner · round 1', 'Reviewer · round 2', 'Documenter']) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^✔ ${agent}`)));
    }
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain(warning);
    expect(text).not.toContain('…');
    for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(60);
  });

  it('ends with ⚠, not ✔, when the last review still listed critical issues', () => {
    const log = runEvents();
    const last = log.at(-1)!;
    if (last.event !== 'task_completed') throw new Error('fixture');
    last.data.metrics.open_critical_issues = 2;
    expect(screen(reduce(log), 100).at(-1)).toBe('⚠ done in 14.2s · 2 critical issues still open · 600 in + 300 out tokens · $0.00');
  });

  it('colours only when asked, and the coloured screen has the same text', () => {
    const state = reduce(events, midReview + 3);
    const coloured = renderDashboard(state, { width: 80, height: 30, color: true, now: NOW });
    expect(hasEscape(coloured)).toBe(true);
    expect(stripAnsi(coloured)).toBe(renderDashboard(state, { width: 80, height: 30, color: false, now: NOW }));
  });

  it('falls back to 80 columns when the width is unknown', () => {
    const lines = screen(reduce(events, midReview + 3), Number.NaN);
    expectFits(lines, 80, 30);
    expect(lines.at(-2)).toHaveLength(80);
  });
});
