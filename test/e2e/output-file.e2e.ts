import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, killAll, runCli, spawnCli, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('corch-e2e-output-');
});
afterEach(() => killAll());
afterAll(() => tmp.remove());

const FAST = ['--provider', 'simulated', '--provider-option', 'tokens_per_second=0'];

describe('--output', () => {
  it('a successful run writes a file titled with the task, with the simulated banner', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const r = await runCli(['run', 'a CSV parser in Go', ...FAST, '--output', 'ok.md'], { env, cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(tmp.dir, 'ok.md'), 'utf8');
    expect(text.split('\n')[0]).toBe('# a CSV parser in Go');
    expect(text).toContain('> **simulated — no model was called**');
  });

  it('a directory is refused before the run starts, in one line', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    mkdirSync(join(tmp.dir, 'out'), { recursive: true });
    const r = await runCli(['run', 'a task', ...FAST, '--output', 'out', '--events', 'dir.ndjson'], { env, cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('corch: --output out is a directory; name a file, e.g. --output out/result.md');
    // Nothing ran: no event log was started.
    expect(existsSync(join(tmp.dir, 'dir.ndjson'))).toBe(false);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only file is refused before the run starts (skipped as root, who may write it)', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const file = join(tmp.dir, 'ro.md');
    writeFileSync(file, 'keep');
    chmodSync(file, 0o444);
    const r = await runCli(['run', 'a task', ...FAST, '--output', 'ro.md'], { env, cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^corch: --output ro\.md cannot be written \(EACCES\)/);
  });

  it('a write that fails after the run prints one clean line and leaves no temporary file', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const dir = join(tmp.dir, 'late');
    mkdirSync(dir);
    const run = spawnCli(
      ['run', 'a task', '--provider', 'simulated', '--provider-option', 'tokens_per_second=400', '--progress', 'plain', '--output', 'late/r.md'],
      { env, cwd: tmp.dir },
    );
    await run.waitFor(/Architect/, 30_000);
    // The path passed the check, then became a directory: the final rename fails.
    mkdirSync(join(dir, 'r.md'));
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    const errors = exit.stderr.split('\n').filter((line) => /cannot|could not|\(E[A-Z]+\)/.test(line));
    expect(errors).toEqual([expect.stringMatching(/^corch: could not save the result: cannot write .*late\/r\.md \(E[A-Z]+\)$/)]);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual(['r.md']);
  });
});
