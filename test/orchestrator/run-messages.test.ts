import { describe, expect, it } from 'vitest';
import { type Review, parseReview } from '../../src/orchestrator/review.js';
import { expectedSpeed, providerMessage, reviewNote } from '../../src/orchestrator/run-messages.js';
import { SIMULATED_LABEL as SIMULATED_NOTICE } from '../../src/protocol/index.js';
import type { LlmProvider } from '../../src/providers/types.js';

const simulated: LlmProvider = {
  name: 'simulated',
  defaultModel: 'simulated',
  simulated: true,
  baseUrl: null,
  stream: () => {
    throw new Error('not called');
  },
};
const openai: LlmProvider = { ...simulated, name: 'openai', simulated: false, baseUrl: 'https://api.openai.com/v1' };

describe('providerMessage', () => {
  it('keeps a reason that names the provider, and adds where requests go', () => {
    expect(providerMessage(openai, 'using openai: OPENAI_API_KEY is set')).toBe(
      'Using openai: OPENAI_API_KEY is set. Requests go to https://api.openai.com/v1.',
    );
    expect(providerMessage(simulated, `using ${SIMULATED_NOTICE}: no provider configured`)).toBe(
      `Using ${SIMULATED_NOTICE}: no provider configured.`,
    );
  });

  it('names the provider and labels the simulated one when the reason does not', () => {
    expect(providerMessage(simulated, 'fallback')).toBe(`Provider simulated: fallback (${SIMULATED_NOTICE}).`);
  });
});

describe('reviewNote', () => {
  const clean: Review = parseReview('{"issues_found": false, "critical_issues": []}');
  const issues: Review = parseReview('{"issues_found": true, "critical_issues": ["bug"]}');
  const garbage: Review = parseReview('nice code');

  it('says when a round is added or dropped, and when the round limit leaves issues open', () => {
    expect(reviewNote(issues, 2, 'round_added')).toEqual({ message: 'Review 2 found critical issues: refine round 2 added.', level: 'info' });
    expect(reviewNote(clean, 1, 'round_dropped')?.message).toContain('skipped');
    expect(reviewNote(issues, 4, null)).toMatchObject({ level: 'warn' });
    expect(reviewNote(issues, 1, null)).toBeNull();
    expect(reviewNote(clean, 2, null)).toBeNull();
  });

  it('warns about an unreadable review', () => {
    expect(reviewNote(garbage, 1, null)).toEqual({ message: 'The review was not valid JSON, so it counts as finding issues.', level: 'warn' });
  });
});

describe('expectedSpeed', () => {
  it('knows what the simulated provider will write, so its first estimate is the run it will be', async () => {
    const { createSimulatedProvider } = await import('../../src/providers/simulated.js');
    const task = 'a CSV parser';
    const expected = expectedSpeed(simulated, {}, task).outputTokens ?? {};
    for (const stage of ['architect', 'coder', 'reviewer', 'documenter'] as const) {
      const provider = createSimulatedProvider({ tokens_per_second: 0 });
      let written = 0;
      for await (const part of provider.stream(
        { model: 'simulated', system: '', messages: [{ role: 'user', content: task }], temperature: 0, max_tokens: 100_000, stage, iteration: 1, task },
        { signal: new AbortController().signal },
      )) {
        if (part.type === 'finish') written = part.usage.output_tokens;
      }
      expect(expected[stage], stage).toBe(written);
    }
  });

  it('uses the simulated pacing, its default, or a hosted-model guess', () => {
    expect(expectedSpeed(simulated, { tokens_per_second: 50 })).toMatchObject({ tokensPerSecond: 50, latencySeconds: 0 });
    expect(expectedSpeed(simulated, { tokens_per_second: '0' })).toMatchObject({ tokensPerSecond: Number.POSITIVE_INFINITY, latencySeconds: 0 });
    expect(expectedSpeed(simulated, undefined).tokensPerSecond).toBe(200);
    expect(expectedSpeed(openai, { tokens_per_second: 50 })).toEqual({ tokensPerSecond: 40, latencySeconds: 1 });
  });
});

describe('formatBudgetUsd', () => {
  it('shows as many digits as it takes to tell what was spent from the budget', async () => {
    const { formatBudgetUsd } = await import('../../src/orchestrator/budgets.js');
    expect(formatBudgetUsd(2, 1.5)).toBe('$2.00');
    expect(formatBudgetUsd(0.0100004, 0.01)).toBe('$0.0100004');
    expect(formatBudgetUsd(0.0123, 0.01)).toBe('$0.012');
  });
});
