import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { fakeIo } from './fake-io.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corch-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const corch = async (...argv: string[]) => corchWith({}, ...argv);
const corchWith = async (env: Record<string, string>, ...argv: string[]) => {
  const io = fakeIo(argv, { CORCH_CONFIG_DIR: dir, ...env });
  const code = await runMain(io);
  return { code, out: io.stdout.text, err: io.stderr.text };
};

describe('corch config', () => {
  it('path prints the file inside CORCH_CONFIG_DIR', async () => {
    const r = await corch('config', 'path');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out.trim()).toBe(join(dir, 'config.json'));
  });

  it('set, get, list and unset round-trip, with nested keys', async () => {
    expect((await corch('config', 'set', 'baseUrl', 'http://127.0.0.1:8000/')).code).toBe(EXIT.OK);
    expect((await corch('config', 'set', 'stageModels.coder', 'gpt-4o')).code).toBe(EXIT.OK);
    expect((await corch('config', 'set', 'providers.ollama.baseUrl', 'http://127.0.0.1:11434')).code).toBe(EXIT.OK);
    // The trailing slash is dropped so paths join cleanly.
    expect((await corch('config', 'get', 'baseUrl')).out).toBe('http://127.0.0.1:8000\n');
    expect((await corch('config', 'list')).out).toBe(
      'baseUrl=http://127.0.0.1:8000\nproviders.ollama.baseUrl=http://127.0.0.1:11434\nstageModels.coder=gpt-4o\n',
    );
    expect((await corch('config', 'unset', 'providers.ollama.baseUrl')).code).toBe(EXIT.OK);
    const file = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(file).toEqual({ baseUrl: 'http://127.0.0.1:8000', stageModels: { coder: 'gpt-4o' } });
  });

  it('keeps the file readable by its owner only and masks keys in list', async () => {
    await corch('config', 'set', 'apiKey', 'sk-abcdefghijklmnop1234');
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    const list = await corch('config', 'list');
    expect(list.out).toBe('apiKey=sk-…1234\n');
    expect(list.out).not.toContain('abcdefgh');
    expect((await corch('config', 'list', '--show-secrets')).out).toContain('sk-abcdefghijklmnop1234');
    expect((await corch('config', 'get', 'apiKey')).out).toBe('sk-abcdefghijklmnop1234\n');
  });

  it('tightens the mode of a file created with wider permissions', async () => {
    writeFileSync(join(dir, 'config.json'), '{}', { mode: 0o644 });
    await corch('config', 'set', 'model', 'llama3.2');
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('accepts the kebab-case spelling of keys', async () => {
    expect((await corch('config', 'set', 'api-key', 'k-123')).code).toBe(EXIT.OK);
    expect((await corch('config', 'set', 'stage-models.coder', 'm')).code).toBe(EXIT.OK);
    expect((await corch('config', 'get', 'apiKey')).out).toBe('k-123\n');
    expect((await corch('config', 'list', '--show-secrets')).out).toBe('apiKey=k-123\nstageModels.coder=m\n');
  });

  it('get says when an environment variable overrides the stored value (masking keys)', async () => {
    await corch('config', 'set', 'provider', 'openai');
    const r = await corchWith({ CORCH_PROVIDER: 'simulated' }, 'config', 'get', 'provider');
    expect(r).toMatchObject({ code: 0, out: 'openai\n' });
    expect(r.err).toBe('corch: CORCH_PROVIDER=simulated in the environment overrides this value\n');
    const unset = await corchWith({ OPENAI_API_KEY: 'sk-abcdefghijklmnop1234' }, 'config', 'get', 'providers.openai.apiKey');
    expect(unset).toMatchObject({ code: 1, out: '' });
    expect(unset.err).toMatch(/^corch: providers\.openai\.apiKey is not set in the config file; OPENAI_API_KEY=sk-a\S*\.\.\.|^corch: providers\.openai\.apiKey is not set in the config file; OPENAI_API_KEY=\S+ in the environment sets it\n$/);
    expect(unset.err).not.toContain('abcdefghijklmnop1234');
  });

  it('get of an unset key prints nothing and exits 1', async () => {
    const r = await corch('config', 'get', 'model');
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toContain('model is not set');
  });

  it.each([
    [['config', 'set', 'colour', 'red'], /unknown config key "colour"; keys are baseUrl/],
    [['config', 'set', 'provider', 'gpt'], /provider must be one of openai, openrouter, ollama, anthropic, simulated, got "gpt"/],
    [['config', 'set', 'progress', 'fancy'], /progress must be one of auto, tty, plain, json/],
    [['config', 'set', 'stageModels.tester', 'x'], /unknown stage "tester"/],
    [['config', 'set', 'providers.mistral.baseUrl', 'http://x'], /unknown provider "mistral"/],
    [['config', 'set', 'baseUrl', 'localhost:8000'], /baseUrl must be an http\(s\) URL/],
    [['config', 'set', 'model'], /config set takes <key> <value>; got "model"/],
    [['config', 'frobnicate'], /unknown config subcommand "frobnicate"/],
  ])('refuses %j with one clear line', async (argv, message) => {
    const r = await corch(...argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err.split('\n')[0]).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a file that is not JSON gets a one-line error naming the fix', async () => {
    writeFileSync(join(dir, 'config.json'), '{ nope');
    const r = await corch('config', 'list');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(/^corch: the config file in .* could not be read: .*; fix or delete it\n$/);
  });

  it('a hand-edited bad value is reported with its key', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ progress: 'loud' }));
    const r = await corch('config', 'list');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toContain('progress must be one of auto, tty, plain, json, quiet, got "loud"');
  });
});
