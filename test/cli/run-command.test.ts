import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { planRun } from '../../src/cli/run-command.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';
import { fakeIo } from './fake-io.js';

// `run` and `attach` against a real server on port 0 whose runner is scripted, so the tests decide when
// each event goes out: cancel, timeout and files are checked without the orchestrator's timing.
let dir: string;
let server: RunningServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corch-run-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(runner: ScriptedRunner): Promise<string> {
  server = await startServer({ port: 0, runner });
  return server.url;
}

function io(argv: string[], env: Record<string, string> = {}) {
  return fakeIo(argv, { CORCH_CONFIG_DIR: dir, CI: 'true', ...env }, { cwd: dir });
}

describe('planRun', () => {
  it('builds the request: flags over env over config', () => {
    const plan = planRun(
      '  a CSV parser ',
      '{"language":"go"}',
      {
        provider: 'simulated',
        stageModel: ['coder=big', 'reviewer=small'],
        providerOption: ['tokens_per_second=0', 'fail_stage=coder', 'nested={"a":1}'],
        maxSeconds: '30',
        maxCost: '0.5',
      },
      io([], { CORCH_MODEL: 'm-env' }),
    );
    expect(plan.request).toEqual({
      task: 'a CSV parser',
      context: { language: 'go' },
      provider: 'simulated',
      model: 'm-env',
      stages: { coder: { model: 'big' }, reviewer: { model: 'small' } },
      provider_options: { tokens_per_second: 0, fail_stage: 'coder', nested: { a: 1 } },
      budget: { max_seconds: 30, max_cost: 0.5 },
      on_disconnect: 'cancel',
    });
    expect(plan.remote).toBeUndefined();
    expect(plan.settings).toMatchObject({ provider: 'simulated', model: 'm-env' });
  });

  it('accepts a cost budget of 0, as the server does (one validator for both)', () => {
    expect(planRun('x', undefined, { maxCost: '0' }, io([])).request.budget).toEqual({ max_cost: 0 });
  });

  it('asks the server to cancel the run once unwatched, unless --detach makes it a background job', () => {
    expect(planRun('x', undefined, {}, io([])).request.on_disconnect).toBe('cancel');
    const detached = planRun('x', undefined, { detach: true, baseUrl: 'http://h:1' }, io([]));
    expect(detached.request.on_disconnect).toBeUndefined();
  });

  it('takes the server from the original variable names too', () => {
    const plan = planRun('x', undefined, {}, io([], { FACILITAIR_API_BASE: 'http://h:1/', FAC_API_KEY: 'k' }));
    expect(plan.remote).toEqual({ baseUrl: { value: 'http://h:1', source: 'FACILITAIR_API_BASE' }, apiKey: 'k' });
  });
});

describe('corch run against a server', () => {
  it('streams to the end, writes --output and --events and says where', async () => {
    const url = await serve(new ScriptedRunner());
    const cli = io(['run', 'a task', '--base-url', url, '--progress', 'plain', '--output', 'o.md', '--events', 'e.ndjson']);
    expect(await runMain(cli)).toBe(EXIT.OK);
    const log = readFileSync(join(dir, 'e.ndjson'), 'utf8').trimEnd().split('\n');
    expect(JSON.parse(log.at(-1) ?? '{}').event).toBe('task_completed');
    expect(readFileSync(join(dir, 'o.md'), 'utf8')).toContain('tok1');
    expect(cli.stderr.text + cli.stdout.text).toContain(join(dir, 'o.md'));
    expect(cli.listeners()).toBe(0);
  });

  it('Ctrl-C cancels the stream on the server and exits 3', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const url = await serve(runner);
    const started = runner.nextStart();
    const cli = io(['run', 'a task', '--base-url', url, '--progress', 'plain']);
    const done = runMain(cli);
    const ctx = await started;
    runner.release(ctx.streamId, 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    cli.signal('SIGINT');
    expect(await done).toBe(EXIT.CANCELLED);
    const status = (await fetch(`${url}/api/stream/status/${ctx.streamId}`).then((r) => r.json())) as { status: string };
    expect(status.status).toBe('cancelled');
    expect(cli.listeners()).toBe(0);
  });

  it('SIGHUP (terminal closed) cancels the stream like Ctrl-C, and the run was sent on_disconnect "cancel"', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const url = await serve(runner);
    const started = runner.nextStart();
    const cli = io(['run', 'a task', '--base-url', url, '--progress', 'plain']);
    const done = runMain(cli);
    const ctx = await started;
    expect(ctx.request.on_disconnect).toBe('cancel');
    runner.release(ctx.streamId, 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    cli.signal('SIGHUP');
    expect(await done).toBe(EXIT.CANCELLED);
    const status = (await fetch(`${url}/api/stream/status/${ctx.streamId}`).then((r) => r.json())) as { status: string };
    expect(status.status).toBe('cancelled');
    expect(cli.listeners()).toBe(0);
  });

  it('--timeout cancels the run and exits 5', async () => {
    const runner = new ScriptedRunner({ pace: 'manual' });
    const url = await serve(runner);
    const started = runner.nextStart();
    const cli = io(['run', 'a task', '--base-url', url, '--progress', 'plain', '--timeout', '0.2']);
    const done = runMain(cli);
    const ctx = await started;
    expect(await done).toBe(EXIT.TIMEOUT);
    const status = (await fetch(`${url}/api/stream/status/${ctx.streamId}`).then((r) => r.json())) as { status: string };
    expect(status.status).toBe('cancelled');
  });

  it('a run that fails exits 1 and --output keeps nothing when no stage finished', async () => {
    const url = await serve(new ScriptedRunner({ failAfter: 2 }));
    const cli = io(['run', 'a task', '--base-url', url, '--progress', 'plain', '--output', 'o.md']);
    expect(await runMain(cli)).toBe(EXIT.RUN_FAILED);
    expect(existsSync(join(dir, 'o.md'))).toBe(false);
  });

  it('attach follows a detached run from the start, or from --from-seq', async () => {
    const url = await serve(new ScriptedRunner());
    const detached = io(['run', 'a task', '--base-url', url, '--detach']);
    expect(await runMain(detached)).toBe(EXIT.OK);
    const id = detached.stdout.text.trim();

    const all = io(['attach', id, '--base-url', url, '--progress', 'json']);
    expect(await runMain(all)).toBe(EXIT.OK);
    const seqs = all.stdout.text.trimEnd().split('\n').map((line) => JSON.parse(line).data.seq as number);
    expect(seqs[0]).toBe(1);

    const later = io(['attach', id, '--base-url', url, '--progress', 'json', '--from-seq', '4']);
    expect(await runMain(later)).toBe(EXIT.OK);
    expect(JSON.parse(later.stdout.text.split('\n')[0] ?? '{}').data.seq).toBe(4);
  });
});
