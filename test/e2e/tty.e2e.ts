import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamState } from '../../src/protocol/stream-state.js';
import { cliEnv, corchBin, hasCommand, killAll, startServeProcess, tempDir } from './helpers.js';
import { shellQuote, TmuxTerminal } from './tmux.js';

// The dashboard in a real terminal: tmux gives the CLI a pty of a known size, and `capture-pane` reads
// the screen as a user would see it (escape codes already interpreted).
const tmuxMissing = !hasCommand('tmux');
if (tmuxMissing) console.warn('tty e2e skipped: tmux is not installed (CI installs it; apt-get install tmux)');

let tmp: ReturnType<typeof tempDir>;
const terminals: TmuxTerminal[] = [];
beforeAll(() => {
  tmp = tempDir('corch-e2e-tty-');
});
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
  killAll();
});
afterAll(() => tmp.remove());

/** The environment inside the terminal: no CI, so `--progress auto` must pick the dashboard. */
function ttyEnv(): Record<string, string> {
  return cliEnv(tmp.dir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' });
}

function terminal(): TmuxTerminal {
  const t = new TmuxTerminal(100, 30);
  terminals.push(t);
  return t;
}

const corch = (args: string[]): string => [shellQuote(process.execPath), shellQuote(corchBin()), ...args.map(shellQuote)].join(' ');

/** The final dashboard: the screen without the shell's `[exit N]` line and trailing blank lines. */
function dashboardOf(screen: string): string {
  return screen
    .replace(/\[exit \d+\][\s\S]*$/, '')
    .replace(/\s+$/, '');
}

describe.skipIf(tmuxMissing)('the tty dashboard in a real terminal', () => {
  it('shows stage rows updating, then the final screen; replay ends on the same screen', async () => {
    const t = terminal();
    const args = ['run', 'a CSV parser', '--provider', 'simulated', '--provider-option', 'tokens_per_second=400', '--events', 'e.ndjson', '--output', 'o.md'];
    t.start(corch(args), ttyEnv(), tmp.dir);

    // While it runs: the Architect works while the later stages wait, then it is done and the Coder works.
    const early = await t.waitFor(/Architect/);
    expect(early).toMatch(/Coder/);
    const later = await t.waitFor(/✔ Architect[\s\S]*Coder/);
    expect(later).not.toMatch(/\[exit/);
    const final = await t.waitFor(/\[exit \d+\]/);
    expect(final).toContain('[exit 0]');
    expect(final).toMatch(/✔ done in/);
    expect(final).toMatch(/✔ Documenter/);
    expect(final).toContain('o.md');
    expect(t.cursorVisible()).toBe(true);

    // The same log, replayed in a terminal of the same size, ends on the same dashboard (with --output
    // too, so the deliverable is saved rather than printed under it, as in the run).
    const r = terminal();
    r.start(corch(['replay', 'e.ndjson', '--progress', 'tty', '--output', 'replayed.md']), ttyEnv(), tmp.dir);
    const replayed = await r.waitFor(/\[exit \d+\]/);
    expect(replayed).toContain('[exit 0]');
    const lines = (s: string) => dashboardOf(s).split('\n');
    // The run's screen names the files it saved below the dashboard; compare the dashboard itself.
    const runDashboard = lines(final).slice(0, lines(final).findIndex((l) => /✔ done in/.test(l)) + 1);
    const replayDashboard = lines(replayed).slice(0, lines(replayed).findIndex((l) => /✔ done in/.test(l)) + 1);
    expect(replayDashboard).toEqual(runDashboard);
    expect(runDashboard.length).toBeGreaterThan(5);
    expect(readFileSync(join(tmp.dir, 'replayed.md'), 'utf8')).toBe(readFileSync(join(tmp.dir, 'o.md'), 'utf8'));
  });

  it('with stdout redirected to a file, still shows the dashboard and writes the result to the file', async () => {
    const t = terminal();
    const args = ['run', 'a CSV parser', '--provider', 'simulated', '--provider-option', 'tokens_per_second=0'];
    t.start(`${corch(args)} > piped.md`, ttyEnv(), tmp.dir);
    const final = await t.waitFor(/\[exit \d+\]/);
    expect(final).toContain('[exit 0]');
    expect(final).toMatch(/✔ Documenter/);
    expect(final).toMatch(/✔ done in/);
    const piped = readFileSync(join(tmp.dir, 'piped.md'), 'utf8');
    expect(piped).toContain('```');
    expect(piped).not.toMatch(/\u001B\[/);
  });

  it('on a short terminal the final screen is still a complete record: every stage row, nothing hidden', async () => {
    const t = new TmuxTerminal(80, 12);
    terminals.push(t);
    // Three refine rounds: ten stages, more than the 12 rows of the terminal.
    const args = ['run', 'a CSV parser', '--provider', 'simulated', '--provider-option', 'tokens_per_second=0',
      '--provider-option', 'review_rounds=3', '--no-cache', '--output', 'short.md'];
    t.start(corch(args), ttyEnv(), tmp.dir);
    await t.waitFor(/\[exit \d+\]/);
    const all = t.scrollback();
    for (const row of ['Architect', 'Coder', 'Reviewer · round 1', 'Refiner · round 1', 'Reviewer · round 2', 'Refiner · round 2',
      'Reviewer · round 3', 'Refiner · round 3', 'Reviewer · round 4', 'Documenter']) {
      expect(all).toMatch(new RegExp(`✔ ${row}`));
    }
    expect(all).not.toMatch(/… \d+ (above|below)/);
    expect(all).toMatch(/✔ done in/);
    expect(all).toContain('[simulated — no model was called]');
  });

  it('follows a terminal resize (SIGWINCH): the dashboard is laid out again at the new width', async () => {
    const t = terminal();
    // Fast up to the Reviewer, which writes a little and then hangs, so the live pane stays on screen.
    const args = ['run', 'a CSV parser', '--provider', 'simulated', '--provider-option', 'tokens_per_second=0'];
    const hang = ['--provider-option', 'fail_stage=reviewer', '--provider-option', 'fail_mode=hang', '--provider-option', 'fail_after_tokens=40'];
    t.start(corch([...args, ...hang]), ttyEnv(), tmp.dir);
    await t.waitFor(/^─ Reviewer/m);
    t.resize(60, 24);
    // On a shrink tmux clips or rewraps the old lines; only a redraw at the new width gives a progress bar
    // of exactly 60 columns that ends in "… chunks".
    await t.waitFor(/^(?=[^\n]{60} *$)[█░]+ \d+\/\d+ chunks *$/m);
    t.keys('C-c');
    expect(await t.waitFor(/\[exit \d+\]/, 10_000)).toContain('[exit 3]');
  });

  it('Ctrl-C cancels the run on the server, exits 3 and leaves the cursor visible', async () => {
    const { url } = await startServeProcess(cliEnv(tmp.dir));
    const t = terminal();
    const args = ['run', 'a CSV parser', '--base-url', url, '--provider', 'simulated', '--provider-option', 'fail_stage=coder', '--provider-option', 'fail_mode=hang'];
    t.start(corch(args), ttyEnv());
    await t.waitFor(/Coder/);
    await t.waitFor(/Ctrl-C to cancel/);
    t.keys('C-c');
    const final = await t.waitFor(/\[exit \d+\]/, 10_000);
    expect(final).toContain('[exit 3]');
    // The confirmation arrived and the final screen says so (not a frozen frame).
    expect(final).toMatch(/cancelled after/);
    expect(t.cursorVisible()).toBe(true);

    const streams = (await fetch(`${url}/api/streams`).then((res) => res.json())) as StreamState[] | { streams: StreamState[] };
    const list = Array.isArray(streams) ? streams : streams.streams;
    expect(list[0]?.status).toBe('cancelled');
  });
});
