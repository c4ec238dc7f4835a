import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { type ReplayServer, startReplayServer } from '../providers/helpers/replay-server.js';
import { fakeIo } from './fake-io.js';

// `corch run` in-process with its embedded server, against a fake OpenAI-compatible server on port 0:
// the config file's price and per-stage settings must reach the run.
const MODEL = 'corch-test-model';
const USAGE = { prompt_tokens: 1000, completion_tokens: 500 };
// The same answer for every stage: a clean review, so the run is Architect, Coder, Reviewer, Documenter.
const ANSWER = '{"issues_found": false, "critical_issues": [], "suggestions": [], "code_quality_score": 9}';

function openAiStream(): string {
  const chunk = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
  return [
    chunk({ id: 'c1', object: 'chat.completion.chunk', model: MODEL, choices: [{ index: 0, delta: { role: 'assistant', content: ANSWER }, finish_reason: null }] }),
    chunk({ id: 'c1', object: 'chat.completion.chunk', model: MODEL, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    chunk({ id: 'c1', object: 'chat.completion.chunk', model: MODEL, choices: [], usage: { ...USAGE, total_tokens: 1500 } }),
    'data: [DONE]\n\n',
  ].join('');
}

let dir: string;
let fake: ReplayServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corch-price-run-'));
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  rmSync(dir, { recursive: true, force: true });
});

interface WireEvent {
  event: string;
  data: Record<string, unknown>;
}

describe('config reaches the run', () => {
  it('a configured price gives a model with no built-in price an estimated and an actual cost', async () => {
    fake = await startReplayServer([{ body: openAiStream() }]);
    const env = { CORCH_CONFIG_DIR: dir, CI: 'true', OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-test' };
    const corch = async (...argv: string[]) => {
      const io = fakeIo(argv, env, { cwd: dir });
      return { code: await runMain(io), out: io.stdout.text, err: io.stderr.text };
    };
    for (const [key, value] of [
      ['provider', 'openai'],
      ['model', MODEL],
      [`prices.${MODEL}`, '2,8'],
      ['stages.coder.temperature', '0.15'],
      ['stages.coder.maxTokens', '1234'],
    ]) {
      expect((await corch('config', 'set', key ?? '', value ?? '')).code).toBe(EXIT.OK);
    }

    const r = await corch('run', 'a CSV parser', '--progress', 'json');
    expect(r.err).not.toContain('corch:');
    expect(r.code).toBe(EXIT.OK);
    const events = r.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as WireEvent);

    const plan = events.find((e) => e.event === 'task_progress');
    expect(plan?.data.estimated_cost).toEqual(expect.any(Number));
    expect(plan?.data.estimated_cost).toBeGreaterThan(0);
    // Four stages, each 1000 tokens in at $2/M and 500 out at $8/M: 4 × $0.006.
    const done = events.find((e) => e.event === 'task_completed');
    expect(done?.data.cost).toBeCloseTo(0.024, 10);
    const chunk = events.find((e) => e.event === 'chunk_completed');
    expect(chunk?.data.cost).toBeCloseTo(0.006, 10);

    // Per-stage settings from config were sent to the model, and only for the coder.
    const sent = fake.requests.map((req) => ({ temperature: req.body.temperature, max_tokens: req.body.max_tokens }));
    expect(sent).toHaveLength(4);
    expect(sent).toContainEqual({ temperature: 0.15, max_tokens: 1234 });
    expect(sent.filter((s) => s.temperature === 0.15)).toHaveLength(1);
    expect(fake.requests.every((req) => req.body.model === MODEL)).toBe(true);
  });
});
