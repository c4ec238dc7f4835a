import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { VERSION } from '../../src/cli/version.js';
import { fakeIo } from './fake-io.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'corch-program-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const corch = async (argv: string[], env: Record<string, string> = {}) => {
  const io = fakeIo(argv, { CORCH_CONFIG_DIR: dir, ...env });
  const code = await runMain(io);
  return { code, out: io.stdout.text, err: io.stderr.text };
};

describe('corch --version and --help', () => {
  it('prints the embedded version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await corch([flag]);
      expect(r).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
    }
  });

  it('lists every command and documents the exit codes', async () => {
    const r = await corch(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['serve', 'run', 'attach', 'status', 'cancel', 'replay', 'config']) expect(r.out).toContain(`  ${name}`);
    expect(r.out).toContain('Exit codes:');
    expect(r.out).toMatch(/\n {2}4 {2}the server could not be reached/);
  });

  it('run --help shows every flag, the progress choices and the exit codes', async () => {
    const r = await corch(['run', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--base-url',
      '--api-key',
      '--provider',
      '--model',
      '--stage-model',
      '--provider-option',
      '--max-seconds',
      '--max-cost',
      '--progress',
      '--output',
      '--events',
      '--detach',
      '--timeout',
    ]) {
      expect(r.out).toContain(flag);
    }
    expect(r.out.replace(/\s+/g, ' ')).toContain('(choices: "auto", "tty", "plain", "json", "quiet")');
    expect(r.out).toContain('Exit codes:');
  });

  it('serve, attach and config have their flags', async () => {
    expect((await corch(['serve', '--help'])).out).toMatch(/--port[\s\S]*--ttl[\s\S]*--heartbeat[\s\S]*--max-streams/);
    expect((await corch(['attach', '--help'])).out).toContain('--from-seq');
    expect((await corch(['config', '--help'])).out).toContain('stageModels.<role>');
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const r = await corch([]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toContain('Usage: corch');
  });
});

describe('usage errors: one line, the usage hint, exit 2, no stack', () => {
  it.each([
    [['run'], /^corch: missing task: say what to build/],
    [['run', '   '], /^corch: missing task/],
    [['run', 'x', '[1,2]'], /^corch: the context must be a JSON object, e\.g\. .*; got "\[1,2\]"$/],
    [['run', 'x', '{nope'], /^corch: the context must be a JSON object.*\(not valid JSON\)$/],
    [['run', 'x', '--progress', 'fancy'], /^corch: option '--progress <mode>' argument 'fancy' is invalid\. Allowed choices are auto, tty, plain, json, quiet\.$/],
    [['run', 'x', '--stage-model', 'tester=gpt-4o'], /^corch: --stage-model: unknown stage "tester"; stages are architect, coder, reviewer, refiner, documenter, judge$/],
    [['run', 'x', '--stage-model', 'coder'], /^corch: --stage-model takes role=model/],
    [['run', 'x', '--provider-option', '=1'], /^corch: --provider-option takes key=value/],
    [['run', 'x', '--timeout', '-3'], /^corch: --timeout must be a positive number, got "-3"$/],
    [['run', 'x', '--max-cost', 'lots'], /^corch: --max-cost must be a number, got "lots"$/],
    // The limits are the protocol validator's, the same the server applies: a cost budget may be 0.
    [['run', 'x', '--max-cost', '-1'], /^corch: --max-cost: `budget\.max_cost` must be a number of US dollars, 0 or more, got -1$/],
    [['run', 'x', '--max-seconds', '0'], /^corch: --max-seconds: `budget\.max_seconds` must be a number of seconds greater than 0, got 0$/],
    [['run', 'x', '--provider', 'gpt'], /^corch: --provider must be one of openai, openrouter, ollama, anthropic, simulated, got "gpt"$/],
    [['run', 'x', '--detach'], /^corch: --detach needs a server that outlives this command/],
    [['run', 'x', '--base-url', 'nowhere'], /^corch: --base-url must be an http\(s\) URL/],
    [['run', 'x', '--frobnicate'], /^corch: unknown option '--frobnicate'$/],
    [['attach'], /^corch: missing required argument 'stream-id'$/],
    [['attach', 'abc', '--from-seq', '0'], /^corch: --from-seq must be a whole number ≥ 1, got "0"$/],
    [['status', 'abc'], /^corch: status needs the server that holds the stream: pass --base-url URL/],
    [['runn', 'x'], /^corch: unknown command 'runn'/],
  ])('%j', async (argv, message) => {
    const r = await corch(argv);
    expect(r.code).toBe(EXIT.USAGE);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  it('the hint names the command and its usage', async () => {
    const r = await corch(['run', 'x', '{']);
    expect(r.err.split('\n').slice(1)).toEqual([
      'Usage: corch run [options] [task] [context-json]',
      "Run 'corch run --help' for the options.",
      '',
    ]);
  });

  it('an --output the CLI cannot write is refused before the run starts', async () => {
    const r = await corch(['run', 'x', '--output', '/no/such/dir/o.md']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err.split('\n')[0]).toBe('corch: --output /no/such/dir/o.md: cannot write in /no/such/dir (ENOENT); create the directory or pick another path');
  });

  it('an env value is named in the message', async () => {
    const r = await corch(['run', 'x'], { CORCH_PROGRESS: 'loud' });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err.split('\n')[0]).toBe('corch: CORCH_PROGRESS must be one of auto, tty, plain, json, quiet, got "loud"');
  });
});
