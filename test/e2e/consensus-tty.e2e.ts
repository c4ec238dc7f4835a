import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, corchBin, hasCommand, killAll, tempDir } from './helpers.js';
import { shellQuote, TmuxTerminal } from './tmux.js';

// Three candidates of a consensus stage on the dashboard in a real terminal (tmux), at a wide and at the
// classic size: side by side in columns when they fit, stacked when they do not.
const tmuxMissing = !hasCommand('tmux');
if (tmuxMissing) console.warn('consensus tty e2e skipped: tmux is not installed (apt-get install tmux)');

let tmp: ReturnType<typeof tempDir>;
const terminals: TmuxTerminal[] = [];
beforeAll(() => {
  tmp = tempDir('corch-e2e-consensus-');
});
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
  killAll();
});
afterAll(() => tmp.remove());

const corch = (args: string[]): string => [shellQuote(process.execPath), shellQuote(corchBin()), ...args.map(shellQuote)].join(' ');
const RUN = ['run', 'a CSV parser', '--provider', 'simulated', '--consensus', 'coder=3', '--provider-option', 'tokens_per_second=120', '--provider-option', 'review_rounds=0'];

function start(columns: number, rows: number): TmuxTerminal {
  const t = new TmuxTerminal(columns, rows);
  terminals.push(t);
  // --output keeps the deliverable off the screen, so the final dashboard stays in view.
  t.start(corch([...RUN, '--output', `result-${columns}.md`]), cliEnv(tmp.dir, { TERM: 'xterm-256color', LANG: 'C.UTF-8' }), tmp.dir);
  return t;
}

/** Waits until all three candidates have written something, and returns that screen. */
async function whileCandidatesStream(t: TmuxTerminal): Promise<string[]> {
  const screen = await t.waitFor(/Coder #1\/3 · simulated · ~[1-9][\s\S]*Coder #3\/3 · simulated · ~[1-9]/, 30_000);
  return screen.split('\n');
}

describe.skipIf(tmuxMissing)('consensus candidates on the dashboard', () => {
  it('120×40: the three candidates stream in columns, then the Judge picks one', async () => {
    const t = start(120, 40);
    const lines = await whileCandidatesStream(t);
    const titles = lines.find((l) => l.includes('Coder #1/3'))!;
    // One line carries the three column titles, separated by │.
    expect(titles).toMatch(/Coder #1\/3 .*│.*Coder #2\/3 .*│.*Coder #3\/3/);
    expect(lines.filter((l) => l.split('│').length === 3).length).toBeGreaterThan(5);
    for (const row of ['Coder #1', 'Coder #2', 'Coder #3']) expect(lines.some((l) => l.includes(row) && !l.includes('│'))).toBe(true);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(120);

    const final = await t.waitFor(/\[exit \d+\]/, 60_000);
    expect(final).toContain('[exit 0]');
    expect(final).toMatch(/Coder #1 .*★ picked/);
    expect(final).toMatch(/Judge .*picked #1/);
    expect(final).toMatch(/✔ done in/);
  });

  it('80×24: the candidates are stacked, each with its own title', async () => {
    const t = start(80, 24);
    const lines = await whileCandidatesStream(t);
    expect(lines.filter((l) => /^─ Coder #[123]\/3 · simulated/.test(l))).toHaveLength(3);
    expect(lines.some((l) => l.includes(' │ '))).toBe(false);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    t.keys('C-c');
    const final = await t.waitFor(/\[exit \d+\]/, 20_000);
    expect(final).toContain('[exit 3]');
  });
});
