import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRenderer, type RendererDeps } from '../../src/render/index.js';
import { capture, hasEscape } from './capture.js';
import { runEvents } from './fixtures.js';

function setup(env: Record<string, string | undefined>, isTTY = false) {
  const stderr = capture({ isTTY });
  const stdout = capture({ isTTY });
  const deps: RendererDeps = { stdout, stderr, env };
  return { stderr, stdout, deps };
}

describe('plain renderer', () => {
  const events = runEvents();

  it('prints a line per stage start and end, the agents text, and the summary, with no escape codes when piped', async () => {
    const { stderr, stdout, deps } = setup({});
    const renderer = createRenderer('plain', deps);
    renderer.notice({ type: 'connecting', url: 'http://127.0.0.1:9/api/stream/events/s' });
    for (const e of events) renderer.event(e);
    await renderer.finish({ eventsPath: 'e.ndjson' });
    const err = stderr.text();
    expect(hasEscape(err) || hasEscape(stdout.text())).toBe(false);
    const lines = err.split('\n');
    expect(lines).toContain('corch: connecting to http://127.0.0.1:9/api/stream/events/s');
    expect(lines).toContain('[simulated — no model was called]');
    expect(lines).toContain('▶ [2/6] Coder: Write the code');
    expect(lines).toContain('Coder output line one');
    expect(lines).toContain('✔ [2/6] Coder done in 1.7s · 150 tokens · $0.00');
    expect(lines).toContain('▶ [4/6] Refiner · round 1: Address the review');
    expect(lines).toContain('✔ completed in 14.2s · 6 chunks · 900 tokens · $0.00');
    expect(lines).toContain('corch: events saved to e.ndjson');
    expect(stdout.text()).toBe('Refiner output line one\nand line two for chunk 4\n');
  });

  it('buffers the agents text by line so a CI log never gets half lines interleaved', () => {
    const { stderr, deps } = setup({});
    const renderer = createRenderer('plain', deps);
    const started = events.findIndex((e) => e.event === 'chunk_started');
    for (const e of events.slice(0, started + 1)) renderer.event(e);
    const before = stderr.text();
    renderer.event({ event: 'token_stream', data: { stream_id: 's', seq: 90, timestamp: 't', tokens: 'half a ', agent: 'Architect', chunk_number: 1, stage: 'architect' } });
    expect(stderr.text()).toBe(before);
    renderer.event({ event: 'token_stream', data: { stream_id: 's', seq: 91, timestamp: 't', tokens: 'line\nnext', agent: 'Architect', chunk_number: 1, stage: 'architect' } });
    expect(stderr.text().slice(before.length)).toBe('half a line\n');
    renderer.dispose();
    expect(stderr.text().slice(before.length)).toBe('half a line\nnext\n');
  });

  it('honours NO_COLOR on a terminal and FORCE_COLOR when piped', async () => {
    for (const [env, isTTY, coloured] of [
      [{}, true, true],
      [{ NO_COLOR: '1' }, true, false],
      [{ FORCE_COLOR: '1' }, false, true],
      [{ FORCE_COLOR: '0' }, true, false],
    ] as const) {
      const { stderr, deps } = setup(env, isTTY);
      const renderer = createRenderer('plain', deps);
      for (const e of events) renderer.event(e);
      await renderer.finish({ outputPath: 'o.md' });
      expect(hasEscape(stderr.text()), JSON.stringify(env)).toBe(coloured);
    }
  });

  it('prints the failure with its code', async () => {
    const { stderr, stdout, deps } = setup({});
    const renderer = createRenderer('plain', deps);
    for (const e of runEvents({ fail: { stage: 'coder', message: 'boom' } })) renderer.event(e);
    await renderer.finish();
    expect(stderr.text()).toContain('✖ failed (E_SIMULATED_FAILURE) in coder: boom');
    expect(stdout.text()).toBe('');
  });
});

describe('GitHub Actions', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  it('groups each stage, keeps model output from acting as workflow commands, and appends a step summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corch-gha-'));
    dirs.push(dir);
    const summary = join(dir, 'summary.md');
    const events = runEvents({ outputs: { coder: '::endgroup::\n::add-mask::secret\nfine\n' } });
    const { stderr, deps } = setup({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    const renderer = createRenderer('plain', deps);
    for (const e of events) renderer.event(e);
    await renderer.finish({ outputPath: 'o.md' });
    const lines = stderr.text().split('\n');
    expect(lines.filter((l) => l.startsWith('::group::'))).toHaveLength(6);
    // Six groups closed by us, plus the model's own "::endgroup::" line, printed while commands are stopped.
    expect(lines.filter((l) => l === '::endgroup::')).toHaveLength(7);
    expect(lines).toContain('::group::[2/6] Coder: Write the code');
    const coderStop = lines.findIndex(
      (l, i) => i > lines.indexOf('::group::[2/6] Coder: Write the code') && l.startsWith('::stop-commands::'),
    );
    const coderToken = lines[coderStop]?.slice('::stop-commands::'.length) ?? '';
    expect(coderToken).toMatch(/^[0-9a-f-]{36}$/);
    const resume = lines.indexOf(`::${coderToken}::`);
    for (const modelLine of ['::endgroup::', '::add-mask::secret']) {
      const at = lines.indexOf(modelLine, coderStop);
      expect(at).toBeGreaterThan(coderStop);
      expect(at).toBeLessThan(resume);
    }
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('## corch: Write a fizzbuzz function');
    expect(md).toContain('> **simulated — no model was called**');
    expect(md).toContain('✅ **Completed** in 14.2s');
    expect(md).toContain('| 4 | Refiner · round 1 | Address the review | done | 1.9s | 100 / 50 | $0.00 |');
    expect(md).toContain('### Result (excerpt)');
  });

  it('after a simulated run, says in one line how to use a real model; not after a real one', async () => {
    for (const simulated of [true, false]) {
      const { stderr, deps } = setup({});
      const renderer = createRenderer('plain', deps);
      for (const e of runEvents({ simulated })) renderer.event(e);
      await renderer.finish();
      expect(stderr.text().includes('For a real model: set OPENAI_API_KEY'), String(simulated)).toBe(simulated);
    }
  });

  it('annotates a failed run with ::error', async () => {
    const { stderr, deps } = setup({ GITHUB_ACTIONS: 'true' });
    const renderer = createRenderer('plain', deps);
    for (const e of runEvents({ fail: { stage: 'reviewer', message: 'bad: things, happened' } })) renderer.event(e);
    await renderer.finish();
    expect(stderr.text()).toContain('::error title=corch run failed (E_SIMULATED_FAILURE)::bad: things, happened');
  });

  it.each(['E_CANCELLED', 'E_SHUTDOWN'])('shows a run ended with %s as cancelled, with a ::warning, not an ::error', async (code) => {
    const { stderr, deps } = setup({ GITHUB_ACTIONS: 'true' });
    const renderer = createRenderer('plain', deps);
    for (const e of runEvents({ fail: { stage: 'reviewer', code, message: 'stopped' } })) renderer.event(e);
    await renderer.finish();
    expect(stderr.text()).toContain('✖ cancelled in reviewer: stopped');
    expect(stderr.text()).toContain('::warning title=corch run cancelled::stopped');
    expect(stderr.text()).not.toContain('::error');
  });
});

describe('json renderer', () => {
  it('writes exactly the events received, one per line, and notices only to stderr', async () => {
    const { stderr, stdout, deps } = setup({});
    const renderer = createRenderer('json', deps);
    const events = runEvents();
    renderer.notice({ type: 'reconnecting', attempt: 1, maxAttempts: 3, delayMs: 10, reason: 'ECONNRESET' });
    for (const e of events) renderer.event(e);
    await renderer.finish();
    const lines = stdout.text().trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(events);
    expect(stderr.text()).toContain('reconnecting');
  });
});
