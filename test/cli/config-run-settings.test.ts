import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfig } from '../../src/cli/config-store.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { fakeIo } from './fake-io.js';

// The config keys that feed the orchestrator: stages.<role>.*, prices.<model>, budget.*.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corch-config-run-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const corch = async (...argv: string[]) => {
  const io = fakeIo(argv, { CORCH_CONFIG_DIR: dir });
  const code = await runMain(io);
  return { code, out: io.stdout.text, err: io.stderr.text };
};
const file = () => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as unknown;

describe('config: prices.<model>', () => {
  it('takes everything after "prices." as the model name, dots and slashes included, in get, list and unset', async () => {
    for (const [model, value] of [
      ['gpt-4.1', '2,8'],
      ['claude-3.5-sonnet', ' 3 , 15 '],
      ['openai/gpt-4o', '2.50,10'],
    ] as const) {
      expect((await corch('config', 'set', `prices.${model}`, value)).code).toBe(EXIT.OK);
    }
    expect(file()).toEqual({ prices: { 'gpt-4.1': '2,8', 'claude-3.5-sonnet': '3,15', 'openai/gpt-4o': '2.5,10' } });
    expect((await corch('config', 'get', 'prices.gpt-4.1')).out).toBe('2,8\n');
    expect((await corch('config', 'get', 'prices.claude-3.5-sonnet')).out).toBe('3,15\n');
    expect((await corch('config', 'list')).out).toBe(
      'prices.claude-3.5-sonnet=3,15\nprices.gpt-4.1=2,8\nprices.openai/gpt-4o=2.5,10\n',
    );
    expect(JSON.parse((await corch('config', 'list', '--json')).out)).toMatchObject({ 'prices.gpt-4.1': '2,8' });

    expect((await corch('config', 'unset', 'prices.gpt-4.1')).err).toBe('prices.gpt-4.1 removed\n');
    expect((await corch('config', 'get', 'prices.gpt-4.1')).code).toBe(1);
    await corch('config', 'unset', 'prices.claude-3.5-sonnet');
    await corch('config', 'unset', 'prices.openai/gpt-4o');
    // The emptied table goes too.
    expect(file()).toEqual({});
  });

  it('reads into the typed config as numbers', async () => {
    await corch('config', 'set', 'prices.gpt-4.1', '2,8');
    expect(openConfig({ CORCH_CONFIG_DIR: dir }).read()).toEqual({ prices: { 'gpt-4.1': { input: 2, output: 8 } } });
  });

  it.each([
    ['2'],
    ['2,8,9'],
    ['1,-8'],
    ['2,'],
    ['two,eight'],
  ])('refuses the price %j naming the key and the format', async (value) => {
    const r = await corch('config', 'set', 'prices.gpt-4.1', value);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toBe(
      `corch: prices.gpt-4.1 must be "<input>,<output>": USD per 1M input and output tokens, both 0 or more (e.g. 2.5,10), got "${value}"\n`,
    );
  });

  it('refuses a key with no model name', async () => {
    const r = await corch('config', 'set', 'prices.', '1,2');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toContain('"prices." needs a model name after "prices.", e.g. prices.gpt-4.1');
  });
});

describe('config: stages.<role> and budget', () => {
  it('stores numbers as JSON numbers next to stageModels, and reads them back', async () => {
    await corch('config', 'set', 'stageModels.coder', 'qwen2.5-coder');
    await corch('config', 'set', 'stages.coder.temperature', '0.20');
    await corch('config', 'set', 'stages.coder.max-tokens', '4000');
    await corch('config', 'set', 'budget.maxSeconds', '600');
    await corch('config', 'set', 'budget.stage-seconds', '90');
    await corch('config', 'set', 'budget.maxCost', '0.5');
    expect(file()).toEqual({
      stageModels: { coder: 'qwen2.5-coder' },
      stages: { coder: { temperature: 0.2, maxTokens: 4000 } },
      budget: { maxSeconds: 600, stageSeconds: 90, maxCost: 0.5 },
    });
    expect((await corch('config', 'get', 'stages.coder.temperature')).out).toBe('0.2\n');
    expect((await corch('config', 'list')).out).toBe(
      [
        'budget.maxCost=0.5',
        'budget.maxSeconds=600',
        'budget.stageSeconds=90',
        'stageModels.coder=qwen2.5-coder',
        'stages.coder.maxTokens=4000',
        'stages.coder.temperature=0.2',
        '',
      ].join('\n'),
    );
    expect(openConfig({ CORCH_CONFIG_DIR: dir }).read()).toEqual({
      stageModels: { coder: 'qwen2.5-coder' },
      stages: { coder: { temperature: 0.2, maxTokens: 4000 } },
      budget: { maxSeconds: 600, stageSeconds: 90, maxCost: 0.5 },
    });
    await corch('config', 'unset', 'stages.coder.temperature');
    await corch('config', 'unset', 'stages.coder.maxTokens');
    expect(file()).toMatchObject({ stageModels: { coder: 'qwen2.5-coder' } });
    expect(file()).not.toHaveProperty('stages');
  });

  it.each([
    [['stages.coder.temperature', '3'], 'stages.coder.temperature must be a number from 0 to 2, got "3"'],
    [['stages.coder.temperature', 'hot'], 'stages.coder.temperature must be a number from 0 to 2, got "hot"'],
    [['stages.coder.maxTokens', '1.5'], 'stages.coder.maxTokens must be a whole number from 1 to 1000000, got "1.5"'],
    [['stages.coder.maxTokens', '0'], 'stages.coder.maxTokens must be a whole number from 1 to 1000000, got "0"'],
    [['stages.tester.temperature', '1'], 'unknown stage "tester" in "stages.tester.temperature"; stages are architect'],
    [['stages.coder.model', 'x'], "a stage's model is set with stageModels.coder, not \"stages.coder.model\""],
    [['stages.coder.topP', '1'], 'unknown key "stages.coder.topP"; a stage takes stages.coder.temperature, stages.coder.maxTokens'],
    [['budget.maxSeconds', '0'], 'budget.maxSeconds must be a number of seconds greater than 0, got "0"'],
    [['budget.stageSeconds', '-5'], 'budget.stageSeconds must be a number of seconds greater than 0, got "-5"'],
    [['budget.maxCost', 'free'], 'budget.maxCost must be a number of US dollars greater than 0, got "free"'],
    [['budget.tokens', '5'], 'unknown key "budget.tokens"; the budget keys are budget.maxSeconds, budget.stageSeconds, budget.maxCost'],
  ])('refuses set %j with one clear line', async (args, message) => {
    const r = await corch('config', 'set', ...args);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err.split('\n')[0]).toContain(message);
    expect(r.err.split('\n')).toHaveLength(2);
  });

  it('names every key pattern for an unknown key', async () => {
    const r = await corch('config', 'set', 'colour', 'red');
    expect(r.err).toContain('stages.<role>.{temperature,maxTokens}');
    expect(r.err).toContain('budget.{maxSeconds,stageSeconds,maxCost}');
    expect(r.err).toContain('prices.<model>');
  });
});

describe('config: hand-edited files', () => {
  const write = (content: unknown) => writeFileSync(join(dir, 'config.json'), JSON.stringify(content));

  it('loads a file written before these keys, and quoted numbers', async () => {
    write({ baseUrl: 'http://x:1', stageModels: { coder: 'm' }, providers: { openai: { model: 'gpt-4o' } }, stages: { coder: { temperature: '0.3' } } });
    expect(openConfig({ CORCH_CONFIG_DIR: dir }).read()).toEqual({
      baseUrl: 'http://x:1',
      stageModels: { coder: 'm' },
      providers: { openai: { model: 'gpt-4o' } },
      stages: { coder: { temperature: 0.3 } },
    });
  });

  it.each([
    [{ stages: { coder: { temperature: 5 } } }, 'stages.coder.temperature must be a number from 0 to 2, got "5"; fix it with: corch config set stages.coder.temperature <value> (or unset it)'],
    [{ stages: { coder: { maxTokens: true } } }, 'stages.coder.maxTokens must be a number, got true; fix it with'],
    [{ budget: { maxCost: -1 } }, 'budget.maxCost must be a number of US dollars greater than 0, got "-1"'],
    [{ prices: { 'gpt-4.1': { input: 2, output: 8 } } }, 'prices.gpt-4.1 must be a string "<input>,<output>" (USD per 1M tokens, e.g. "2.5,10"), got {"input":2,"output":8}'],
    [{ prices: { 'gpt-4.1': 2 } }, 'prices.gpt-4.1 must be a string "<input>,<output>"'],
    [{ model: 7 }, 'model must be a string, got 7'],
    [{ stages: { coder: { topP: 1 } } }, 'unknown key "stages.coder.topP"; a stage takes stages.coder.temperature, stages.coder.maxTokens; remove it with: corch config unset stages.coder.topP'],
  ])('reports %j with the file, the key and the fix', async (content, message) => {
    write(content);
    const r = await corch('config', 'list');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toContain(`corch: ${join(dir, 'config.json')}: ${message}`);
    expect(r.err.split('\n')).toHaveLength(2);
  });

  it('the fixes it names work: unset removes an unknown key, set replaces a bad value', async () => {
    write({ stages: { coder: { topP: 1, temperature: 9 } } });
    expect((await corch('config', 'unset', 'stages.coder.topP')).code).toBe(EXIT.OK);
    expect((await corch('config', 'set', 'stages.coder.temperature', '0.4')).code).toBe(EXIT.OK);
    expect((await corch('config', 'list')).out).toBe('stages.coder.temperature=0.4\n');
    // An unknown key that is not in the file is still an error.
    expect((await corch('config', 'unset', 'stages.coder.topP')).code).toBe(EXIT.USAGE);
  });
});
