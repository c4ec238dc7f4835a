import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { cliEnv, killAll, runCli, tempDir } from './helpers.js';

// The stage cache across processes: each `corch run` starts its own embedded server, so only the cache on
// disk can make the second run of a task cost nothing. The model is a local OpenAI-compatible server that
// counts the requests it gets.
let tmp: ReturnType<typeof tempDir>;
let openai: FakeOpenAiServer;
beforeAll(async () => {
  tmp = tempDir('corch-e2e-cache-');
  openai = await startFakeOpenAiServer();
});
afterEach(() => killAll());
afterAll(async () => {
  await openai.close();
  tmp.remove();
});

function env(cacheDir: string): Record<string, string> {
  return cliEnv(join(tmp.dir, 'config'), { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'test-key', CORCH_CACHE_DIR: cacheDir });
}

type Line = { event: string; data: Record<string, unknown> };
const events = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);

const run = (task: string, cacheDir: string, extra: string[] = []) =>
  runCli(['run', task, '--provider', 'openai', '--model', 'gpt-4o', '--progress', 'json', ...extra], { env: env(cacheDir) });

describe('the stage cache between corch processes', () => {
  it('a second identical `corch run` is served from the cache: no request reaches the model', async () => {
    const cache = join(tmp.dir, 'cache-a');
    const first = await run('a CSV parser', cache);
    expect(first.code, first.stderr).toBe(0);
    const asked = openai.requests.length;
    expect(asked).toBe(4);

    const second = await run('a CSV parser', cache);
    expect(second.code, second.stderr).toBe(0);
    expect(openai.requests.length).toBe(asked);
    const log = events(second.stdout);
    const started = log.filter((e) => e.event === 'chunk_started');
    expect(started).toHaveLength(4);
    for (const e of started) expect(e.data.cache_hit).toBe(true);
    const done = log.find((e) => e.event === 'task_completed')!;
    expect(done.data.cost).toBe(0);
    expect(done.data.result).toBe(events(first.stdout).find((e) => e.event === 'task_completed')!.data.result);
    const progress = log.filter((e) => e.event === 'task_progress').at(-1)!;
    expect(progress.data.cache).toMatchObject({ hits: 4, misses: 0 });
    expect((progress.data.cache as { saved_cost: number }).saved_cost).toBeGreaterThan(0);

    // Another model misses; --no-cache asks the model again, even for a cached task.
    await run('a CSV parser', cache, ['--model', 'gpt-4o-mini']);
    expect(openai.requests.length).toBe(asked + 4);
    const uncached = await run('a CSV parser', cache, ['--no-cache']);
    expect(events(uncached.stdout).some((e) => e.event === 'chunk_started' && e.data.cache_hit)).toBe(false);
    expect(openai.requests.length).toBe(asked + 8);

    const info = await runCli(['cache', 'info', '--json'], { env: env(cache) });
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ location: cache, entries: 8, hits: 4, enabled: true });
    const cleared = await runCli(['cache', 'clear'], { env: env(cache) });
    expect(cleared.stdout).toBe(`removed 8 cached stage answers from ${cache}\n`);
  });

  it('two runs writing one cache at once corrupt nothing; a third is served whole from it', async () => {
    const cache = join(tmp.dir, 'cache-b');
    const before = openai.requests.length;
    const [a, b] = await Promise.all([run('a rate limiter', cache), run('a rate limiter', cache)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const files = readdirSync(join(cache, 'stages'));
    // One whole entry per stage request, no temporary file left behind.
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(4);
    expect(files.filter((f) => !f.endsWith('.json'))).toEqual([]);
    for (const f of files) expect(() => JSON.parse(readFileSync(join(cache, 'stages', f), 'utf8'))).not.toThrow();
    const asked = openai.requests.length;
    expect(asked - before).toBeLessThanOrEqual(8);

    const third = await run('a rate limiter', cache);
    expect(third.code, third.stderr).toBe(0);
    expect(openai.requests.length).toBe(asked);
  });

  it('cache info and clear explain a wrong action', async () => {
    const bad = await runCli(['cache', 'wipe'], { env: env(join(tmp.dir, 'cache-c')) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown cache action "wipe"; use info or clear');
  });
});
