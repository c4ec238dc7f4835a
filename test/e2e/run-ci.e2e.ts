import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CorchEvent } from '../../src/protocol/events.js';
import { ANSI, cliEnv, killAll, runCli, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('corch-e2e-ci-');
});
afterEach(() => killAll());
afterAll(() => tmp.remove());

const FAST = ['--provider', 'simulated', '--provider-option', 'tokens_per_second=0'];

function readLog(path: string): CorchEvent[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as CorchEvent);
}

describe('the built CLI in CI', () => {
  it('--version and --help answer without a server', async () => {
    const env = cliEnv(tmp.dir);
    const version = await runCli(['--version'], { env });
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const help = await runCli(['--help'], { env });
    expect(help.stdout).toContain('Exit codes:');
  });

  it('CI=true run with --output and --events exits 0, writes both files and prints no escape codes', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const r = await runCli(['run', 'a CSV parser in Go', ...FAST, '--output', 'o.md', '--events', 'e.ndjson'], { env, cwd: tmp.dir });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);

    const events = readLog(join(tmp.dir, 'e.ndjson'));
    expect(events[0]?.event).toBe('task_started');
    expect(events.at(-1)?.event).toBe('task_completed');
    const stored = events.filter((e) => e.event !== 'heartbeat');
    expect(stored.map((e) => e.data.seq)).toEqual(stored.map((_, i) => i + 1));

    const markdown = readFileSync(join(tmp.dir, 'o.md'), 'utf8');
    expect(markdown).toMatch(/^#/m);
    // After the run it says where the files went.
    expect(r.stdout + r.stderr).toContain('o.md');
    expect(r.stdout + r.stderr).toContain('e.ndjson');
  });

  it('under GitHub Actions: stages grouped in the log and a summary appended to $GITHUB_STEP_SUMMARY', async () => {
    const summary = join(tmp.dir, 'summary.md');
    const env = cliEnv(tmp.dir, { CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    const r = await runCli(['run', 'a CSV parser', ...FAST], { env, cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/^::group::/m);
    expect(r.stdout + r.stderr).toMatch(/^::endgroup::/m);
    expect(readFileSync(summary, 'utf8')).toMatch(/Architect[\s\S]*Documenter/);
  });

  it('--progress json prints exactly the events, one per line, on stdout', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const r = await runCli(['run', 'a tiny task', ...FAST, '--progress', 'json'], { env, cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as CorchEvent);
    expect(events[0]?.event).toBe('task_started');
    expect(events.at(-1)?.event).toBe('task_completed');
  });

  it('a failing stage exits 1; an unreachable server exits 4; a bad context exits 2', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const failed = await runCli(['run', 'x', ...FAST, '--provider-option', 'fail_stage=coder'], { env, cwd: tmp.dir });
    expect(failed.code, failed.stderr).toBe(1);
    const unreachable = await runCli(['run', 'x', '--base-url', 'http://127.0.0.1:9'], { env, cwd: tmp.dir });
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toMatch(/cannot reach the corch server at http:\/\/127\.0\.0\.1:9/);
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
    const usage = await runCli(['run', 'x', '"not an object"'], { env, cwd: tmp.dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr.split('\n')[0]).toMatch(/^corch: the context must be a JSON object/);
  });

  it('an unquoted task is refused with the quoted command to type; run - reads the task from stdin', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const unquoted = await runCli(['run', 'write', 'a', 'csv', 'parser'], { env, cwd: tmp.dir });
    expect(unquoted.code).toBe(2);
    expect(unquoted.stderr.split('\n')[0]).toBe(
      'corch: the task is one argument: quote it, e.g. corch run "write a csv parser" (a second argument is the context, a JSON object)',
    );
    const piped = await runCli(['run', '-', ...FAST, '--progress', 'json'], { env, cwd: tmp.dir, input: 'a task from a file\n' });
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout.split('\n')[0]!).data.task).toBe('a task from a file');
    const empty = await runCli(['run', '-', ...FAST], { env, cwd: tmp.dir, input: '  \n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^corch: corch run - read an empty task from stdin/);
  });

  it('--progress quiet prints only the result', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const r = await runCli(['run', 'a CSV parser', ...FAST, '--progress', 'quiet'], { env, cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('```');
    const failed = await runCli(['run', 'x', ...FAST, '--progress', 'quiet', '--provider-option', 'fail_stage=coder'], { env, cwd: tmp.dir });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/^corch: failed \(E_\w+\) in coder: /);
  });

  it('replay of the saved log redraws the run and exits with its code', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const r = await runCli(['replay', 'e.ndjson', '--progress', 'plain'], { env, cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).not.toMatch(ANSI);
    writeFileSync(join(tmp.dir, 'notes.md'), '# notes\n\nnot events\n');
    const notLog = await runCli(['replay', 'notes.md'], { env, cwd: tmp.dir });
    expect(notLog.code).toBe(1);
    expect(notLog.stderr).toMatch(/^corch: .*notes\.md is not a corch event log \(line 1 is not JSON\); pass a log written by `corch run --events FILE`/);
    const missing = await runCli(['replay', 'nope.ndjson'], { env, cwd: tmp.dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('corch: nope.ndjson does not exist; pass a log written by `corch run --events FILE`\n');
  });
});
