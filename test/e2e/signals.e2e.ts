import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CorchEvent } from '../../src/protocol/events.js';
import { cliEnv, killAll, runCli, spawnCli, startServeProcess, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('corch-e2e-signals-');
});
afterEach(() => killAll());
afterAll(() => tmp.remove());

/** Slow enough that the run is still in its first stages when the signal comes. */
const SLOW = ['--provider', 'simulated', '--provider-option', 'tokens_per_second=20', '--progress', 'plain'];

function lastEvent(path: string): CorchEvent | undefined {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return lines.length > 0 && lines[0] !== '' ? (JSON.parse(lines.at(-1)!) as CorchEvent) : undefined;
}

/** Processes that keep every core busy, as on a loaded CI machine; stopped by the returned function. */
function burnCpu(count: number): () => void {
  const burners: ChildProcess[] = [];
  for (let i = 0; i < count; i++) burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return () => {
    for (const burner of burners) burner.kill('SIGKILL');
  };
}

describe('run owns its run', () => {
  it('one Ctrl-C under CPU load cancels the run on the server (never taken for a second press)', async () => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const stop = burnCpu(3);
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const events = join(tmp.dir, `load-${attempt}.ndjson`);
        const run = spawnCli(['run', 'a CSV parser', ...SLOW, '--events', events], { env, cwd: tmp.dir });
        await run.waitFor(/Architect/, 30_000);
        run.child.kill('SIGINT');
        const exit = await run.exited;
        expect(exit.code, exit.stderr).toBe(3);
        // The cancel reached the server: the log ends with its E_CANCELLED, not with whatever came last.
        expect(lastEvent(events), `attempt ${attempt}`).toMatchObject({ event: 'task_error', data: { code: 'E_CANCELLED' } });
        expect(exit.stderr).toMatch(/cancelled/);
      }
    } finally {
      stop();
    }
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s cancels the run too, exit 3', async (signal) => {
    const env = cliEnv(tmp.dir, { CI: 'true' });
    const events = join(tmp.dir, `${signal}.ndjson`);
    const run = spawnCli(['run', 'a CSV parser', ...SLOW, '--events', events], { env, cwd: tmp.dir });
    await run.waitFor(/Architect/, 30_000);
    run.child.kill(signal);
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(3);
    expect(lastEvent(events)).toMatchObject({ event: 'task_error', data: { code: 'E_CANCELLED' } });
  });
});

describe('attach only watches', () => {
  it('Ctrl-C stops watching and leaves the run going; --timeout too', async () => {
    const { url } = await startServeProcess(cliEnv(tmp.dir));
    const env = cliEnv(tmp.dir, { CI: 'true', CORCH_BASE_URL: url });
    const detached = await runCli(['run', 'a task', '--detach', ...SLOW], { env });
    expect(detached.code, detached.stderr).toBe(0);
    const id = detached.stdout.trim();

    const watcher = spawnCli(['attach', id, '--progress', 'plain'], { env });
    await watcher.waitFor(/Architect/, 30_000);
    watcher.child.kill('SIGINT');
    const left = await watcher.exited;
    expect(left.code, left.stderr).toBe(130);
    expect(left.stderr).toContain(`stopped watching; the run goes on (corch attach ${id} to watch again, corch cancel ${id} to cancel it)`);
    const timed = await runCli(['attach', id, '--progress', 'plain', '--timeout', '1'], { env });
    expect(timed.code, timed.stderr).toBe(5);

    const state = await runCli(['status', id, '--json'], { env });
    expect(JSON.parse(state.stdout).status).toBe('running');
    expect((await runCli(['cancel', id], { env })).code).toBe(0);
  });
});
