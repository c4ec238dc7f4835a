import { describe, expect, it } from 'vitest';
import type { CorchEvent, EventInput } from '../../src/protocol/index.js';
import { createPlainRenderer } from '../../src/render/plain-renderer.js';
import { renderDashboard } from '../../src/render/dashboard-layout.js';
import { type DashboardState, initialDashboardState, reduceDashboard } from '../../src/render/dashboard-state.js';
import { displayWidth } from '../../src/render/text.js';
import { createFakeProvider, deltas, reviewJson } from '../helpers/fake-provider.js';
import { runToEnd } from '../orchestrator/harness.js';
import { capture, stripAnsi } from './capture.js';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');

/** A real consensus run's events (three coder candidates on three models), with envelopes filled in. */
async function consensusRun(): Promise<CorchEvent[]> {
  const provider = createFakeProvider({
    script: (r) => {
      if (r.stage === 'judge') return { steps: deltas('{"choice": 2, "reason": "it handles quoted fields"}') };
      if (r.stage === 'reviewer') return { steps: deltas(reviewJson(false)) };
      if (r.stage === 'coder') return { steps: deltas(`// candidate ${r.candidate} on ${r.model}\nexport function parse(line) {\n  return line.split(',');\n}\n`, 5, true) };
      return { steps: deltas(`${r.stage} output\n`) };
    },
  });
  const { events } = await runToEnd(provider, {
    task: 'Write a CSV parser',
    // `openai:` keeps every candidate on the one fake provider: routing has its own tests.
    stages: { coder: { candidates: ['gpt-4o', 'openai:claude-sonnet-4-5', 'openai:qwen/qwen3-coder-plus'] } },
  });
  return events.map((e: EventInput, i) => ({ event: e.event, data: { ...e.data, stream_id: 's1', seq: i + 1, timestamp: new Date(T0 + i * 100).toISOString() } }) as CorchEvent);
}

/** The state once all three candidates are streaming (before the first of them finishes). */
function midCandidates(events: CorchEvent[]): DashboardState {
  let state = initialDashboardState();
  let started = 0;
  for (const event of events) {
    if (event.event === 'chunk_completed' && event.data.candidate !== undefined) break;
    state = reduceDashboard(state, event);
    if (event.event === 'chunk_started' && event.data.candidate !== undefined) started++;
  }
  expect(started).toBe(3);
  return state;
}

describe('consensus on the dashboard', () => {
  it('shows the candidates in columns at 120 columns, each with its model and tokens', async () => {
    const state = midCandidates(await consensusRun());
    expect(state.working).toEqual([2, 3, 4]);
    expect(state.panes.map((p) => p.candidate)).toEqual([1, 2, 3]);
    const screen = stripAnsi(renderDashboard(state, { width: 120, height: 40, color: false, now: T0 + 5000 })).split('\n');
    for (const line of screen) expect(displayWidth(line)).toBeLessThanOrEqual(120);
    const titles = screen.find((line) => line.includes('Coder #1/3'))!;
    expect(titles).toContain('Coder #2/3');
    expect(titles).toContain('Coder #3/3');
    expect(titles).toContain('gpt-4o');
    expect(screen.some((line) => line.split('│').length === 3 && line.includes('export function parse'))).toBe(true);
    expect(screen.filter((line) => /Coder #\d/.test(line) && !line.includes('│')).length).toBe(3);
  });

  it('stacks the candidates on an 80×24 terminal', async () => {
    const state = midCandidates(await consensusRun());
    const screen = stripAnsi(renderDashboard(state, { width: 80, height: 24, color: false, now: T0 + 5000 })).split('\n');
    expect(screen.length).toBeLessThanOrEqual(24);
    for (const line of screen) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    const rules = screen.filter((line) => line.startsWith('─ Coder #'));
    expect(rules).toHaveLength(3);
    expect(screen.some((line) => line.includes('│'))).toBe(false);
  });

  it("marks the Judge's pick on its row and the candidate's", async () => {
    let state = initialDashboardState();
    for (const event of await consensusRun()) state = reduceDashboard(state, event);
    const screen = stripAnsi(renderDashboard(state, { width: 120, height: 40, color: false, now: T0 + 60_000 }));
    expect(screen).toMatch(/Coder #2 .*claude-sonnet-4-5 · ★ picked/);
    expect(screen).toMatch(/Judge .*picked #2/);
    expect(state.rows.filter((r) => r.picked).map((r) => r.candidate)).toEqual([2]);
  });
});

describe('consensus in plain output', () => {
  it('prints each candidate as one group when it finishes, never interleaved', async () => {
    const err = capture();
    const out = capture();
    const renderer = createPlainRenderer({ stdout: out, stderr: err, env: { GITHUB_ACTIONS: 'true' } });
    for (const event of await consensusRun()) renderer.event(event);
    await renderer.finish();
    const lines = stripAnsi(err.text()).split('\n');
    for (const n of [1, 2, 3]) {
      const open = lines.findIndex((l) => l.startsWith('::group::') && l.includes(`candidate ${n} of 3`));
      expect(open).toBeGreaterThan(-1);
      const close = lines.indexOf('::endgroup::', open);
      const body = lines.slice(open, close).join('\n');
      expect(body).toContain(`// candidate ${n} on `);
      expect(body).not.toMatch(new RegExp(`// candidate [^${n}] on`));
    }
    expect(lines.some((l) => /✔ \[5\/\d+\] Judge done .* · picked candidate 2/.test(l))).toBe(true);
  });
});
