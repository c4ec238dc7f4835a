import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CorchEvent } from '../../src/protocol/events.js';
import { ensureBinary } from './binary.js';
import { ROOT } from './freshness.js';
import { ANSI, cliEnv, corchBin, killAll, spawnCommand, tempDir } from './helpers.js';

/** The programmatic API as built by unbuild (dist/index.mjs), typed from its sources. */
type CorchApi = typeof import('../../src/index.js');

const FAST = ['--provider', 'simulated', '--provider-option', 'tokens_per_second=0'];
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let binary: string;
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  binary = ensureBinary(corchBin());
  tmp = tempDir('corch-e2e-binary-');
});
afterEach(() => killAll());
afterAll(() => tmp.remove());

/** Runs the binary to completion, from the temporary directory (nothing of the repository nearby). */
function runBinary(args: string[], extra: Record<string, string> = {}) {
  return spawnCommand(binary, args, { env: cliEnv(tmp.dir, extra), cwd: tmp.dir }).exited;
}

function readLog(path: string): CorchEvent[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as CorchEvent);
}

describe('the single binary (bun build --compile)', () => {
  it('--version prints the version embedded at build time', async () => {
    const r = await runBinary(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });

  it('run: a full simulated run in plain mode (CI=true) writes --output and --events and exits 0', async () => {
    const r = await runBinary(['run', 'a CSV parser in Go', ...FAST, '--output', 'o.md', '--events', 'e.ndjson'], { CI: 'true' });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
    expect(r.stderr).toMatch(/Documenter/);

    const events = readLog(join(tmp.dir, 'e.ndjson'));
    expect(events[0]?.event).toBe('task_started');
    expect(events.at(-1)?.event).toBe('task_completed');
    const stored = events.filter((e) => e.event !== 'heartbeat');
    expect(stored.map((e) => e.data.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(readFileSync(join(tmp.dir, 'o.md'), 'utf8')).toMatch(/^#/m);
  });

  it('serve --port 0 answers the Node-built client to task_completed, then exits 0 on SIGTERM', async () => {
    const proc = spawnCommand(binary, ['serve', '--port', '0'], { env: cliEnv(tmp.dir), cwd: tmp.dir });
    const [url] = await proc.waitFor(/http:\/\/127\.0\.0\.1:\d+/);
    const api = (await import(pathToFileURL(join(dirname(dirname(corchBin())), 'dist', 'index.mjs')).href)) as CorchApi;
    const client = api.createCorchClient({ baseUrl: url });

    const created = await client.createTask({ task: 'a CSV parser', provider: 'simulated', provider_options: { tokens_per_second: 0 } });
    const seqs: number[] = [];
    const result = await client.subscribe(created.stream_id, {
      onEvent: (event) => {
        if (event.event !== 'heartbeat') seqs.push(event.data.seq);
      },
    });
    expect(result.terminal?.event).toBe('task_completed');
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect((await client.status(created.stream_id)).status).toBe('completed');

    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain('SIGTERM');
  });

  it('config: without CORCH_CONFIG_DIR it writes the platform config directory, as the npm package does', async () => {
    const home = join(tmp.dir, 'home');
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    const set = await spawnCommand(binary, ['config', 'set', 'provider', 'simulated'], { env: withoutConfigDir(env), cwd: tmp.dir }).exited;
    expect(set.code, set.stderr).toBe(0);
    const path = await spawnCommand(binary, ['config', 'path'], { env: withoutConfigDir(env), cwd: tmp.dir }).exited;
    expect(path.stdout.trim()).toBe(join(home, '.config', 'corch', 'config.json'));
    expect(JSON.parse(readFileSync(join(home, '.config', 'corch', 'config.json'), 'utf8'))).toEqual({ provider: 'simulated' });
  });
});

/** cliEnv with a private HOME instead of the private config directory, so conf picks the location itself. */
function withoutConfigDir(extra: Record<string, string>): Record<string, string> {
  const { CORCH_CONFIG_DIR: _unused, ...env } = cliEnv(tmp.dir, extra);
  return env;
}
