import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEventLog,
  initialDashboardState,
  readEventLog,
  reduceDashboard,
  renderResultMarkdown,
  writeResultMarkdown,
} from '../../src/render/index.js';
import { runEvents } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'corch-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('event log', () => {
  it('writes each event as one complete line as it arrives, and reads them back', async () => {
    const path = join(dir, 'e.ndjson');
    const events = runEvents();
    const log = createEventLog(path);
    for (const [i, event] of events.entries()) {
      log.write(event);
      // Nothing buffered: a run killed now leaves i + 1 whole lines.
      const text = readFileSync(path, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split('\n')).toHaveLength(i + 2);
    }
    log.close();
    expect(await readEventLog(path)).toEqual({ events, truncatedLastLine: false });
  });

  it('tolerates a truncated last line and reports a malformed line by number', async () => {
    const events = runEvents().slice(0, 3);
    const lines = events.map((e) => JSON.stringify(e));
    const cut = join(dir, 'cut.ndjson');
    writeFileSync(cut, `${lines.join('\n')}\n{"event":"token_str`);
    expect(await readEventLog(cut)).toEqual({ events, truncatedLastLine: true });

    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, `${lines[0]}\nnot json\n${lines[1]}\n`);
    await expect(readEventLog(bad)).rejects.toMatchObject({ code: 'E_IO', message: expect.stringMatching(/bad\.ndjson:2: not a JSON line/) });

    const unknown = join(dir, 'unknown.ndjson');
    writeFileSync(unknown, `${lines[0]}\n{"event":"nope","data":{}}\n`);
    await expect(readEventLog(unknown)).rejects.toThrow(/unknown\.ndjson:2: unknown event "nope"/);
    await expect(readEventLog(join(dir, 'missing.ndjson'))).rejects.toMatchObject({ code: 'E_IO' });
  });

  it('names the path when the file cannot be created', () => {
    expect(() => createEventLog(join(dir, 'no-such-dir', 'e.ndjson'))).toThrow(/cannot write --events file .*no-such-dir/);
  });
});

describe('result Markdown', () => {
  it('puts design, code, review and docs under headings, labelled when simulated', async () => {
    const state = runEvents().reduce(reduceDashboard, initialDashboardState());
    const path = join(dir, 'o.md');
    await writeResultMarkdown(path, state);
    const md = readFileSync(path, 'utf8');
    expect(md.startsWith('# Write a fizzbuzz function\n')).toBe(true);
    expect(md).toContain('simulated — no model was called');
    const headings = md.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual(['## Design', '## Code', '## Review', '## Documentation']);
    expect(md).toContain('## Code\n\nRefiner output line one');
  });

  it('works from the completed event alone, and notes a run that failed', () => {
    const events = runEvents({ simulated: false });
    const completed = events.at(-1);
    if (completed?.event !== 'task_completed') throw new Error('fixture');
    const md = renderResultMarkdown(completed);
    expect(md).toContain('# corch result');
    expect(md).not.toContain('simulated');
    const failed = runEvents({ fail: { stage: 'reviewer' } }).reduce(reduceDashboard, initialDashboardState());
    expect(renderResultMarkdown(failed)).toContain('**The run did not complete** (`E_SIMULATED_FAILURE`)');
  });
});
