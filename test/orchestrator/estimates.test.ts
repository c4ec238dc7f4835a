import { describe, expect, it } from 'vitest';
import { approxTokens, RunEstimator } from '../../src/orchestrator/estimates.js';
import { planChunks, planSteps } from '../../src/orchestrator/plan.js';
import type { StageRole } from '../../src/protocol/events.js';

const PROMPT: Record<StageRole, number> = { architect: 100, coder: 100, reviewer: 100, refiner: 100, documenter: 100, judge: 100 };
const MAX: Record<StageRole, number> = { architect: 2000, coder: 3000, reviewer: 1500, refiner: 3000, documenter: 2500, judge: 500 };
const PRICE = { input: 1, output: 10 };
const chunks = (price: { input: number; output: number } | null = PRICE) => planChunks(planSteps()).map((c) => ({ ...c, price }));

describe('RunEstimator', () => {
  it('plans from a share of max_tokens at the assumed speed', () => {
    const e = new RunEstimator(PROMPT, MAX, { tokensPerSecond: 50, latencySeconds: 1 });
    // Output: architect 1000, coder 1800, reviewer 450 ×2, refiner 1800, documenter 1250 = 6750 tokens.
    expect(e.expectedOutput('architect')).toBe(1000);
    expect(e.expectedOutput('refiner')).toBe(1800);
    const { seconds, cost } = e.estimate(chunks());
    expect(seconds).toBeCloseTo(6 * 1 + 6750 / 50, 6);
    // Inputs: 6×100 prompt + design (1000) ×5 + code (1800) ×4 + review (450) ×2 (refiner, second review).
    const input = 600 + 5000 + 7200 + 900;
    expect(cost).toBeCloseTo((input * 1 + 6750 * 10) / 1e6, 12);
  });

  it('moves to measured sizes and speed after chunks finish', () => {
    const e = new RunEstimator(PROMPT, MAX, { tokensPerSecond: 50, latencySeconds: 1 });
    e.record({ stage: 'architect', usage: { input_tokens: 120, output_tokens: 500 }, duration_ms: 5000 });
    // Half as verbose as expected: unseen roles are scaled by 0.5; speed is 100 tokens/s.
    expect(e.expectedOutput('architect')).toBe(500);
    expect(e.expectedOutput('coder')).toBe(900);
    e.record({ stage: 'coder', usage: { input_tokens: 700, output_tokens: 1200 }, duration_ms: 12_000 });
    // A refiner rewrites the code: it is expected to write what the coder wrote.
    expect(e.expectedOutput('refiner')).toBe(1200);
    const rest = chunks().slice(2);
    const { seconds } = e.estimate(rest);
    const speed = 1700 / 17; // tokens per second, measured
    const outputs = e.expectedOutput('reviewer') * 2 + 1200 + e.expectedOutput('documenter');
    expect(seconds).toBeCloseTo(outputs / speed, 6);
  });

  it('never expects more than max_tokens', () => {
    const e = new RunEstimator(PROMPT, { ...MAX, architect: 400, reviewer: 100 }, { tokensPerSecond: 50, latencySeconds: 0 });
    // Ten times as verbose as expected, but a reviewer still stops at its max_tokens.
    e.record({ stage: 'architect', usage: { input_tokens: 0, output_tokens: 2000 }, duration_ms: 1 });
    expect(e.expectedOutput('reviewer')).toBe(100);
  });

  it('an unknown price makes the cost unknown; an unthrottled simulated provider takes no time', () => {
    const e = new RunEstimator(PROMPT, MAX, { tokensPerSecond: Number.POSITIVE_INFINITY, latencySeconds: 0 });
    expect(e.estimate(chunks(null))).toEqual({ seconds: 0, cost: null });
    expect(e.estimate([])).toEqual({ seconds: 0, cost: 0 });
  });

  it('approxTokens rounds up at four characters a token', () => {
    expect(approxTokens(0)).toBe(0);
    expect(approxTokens(9)).toBe(3);
  });

  it('candidates after the first add cost but no time; a Judge reads every candidate', () => {
    const e = new RunEstimator(PROMPT, MAX, { tokensPerSecond: 50, latencySeconds: 0 });
    const coder = { stage: 'coder' as const, iteration: 0, price: PRICE };
    const one = e.estimate([coder]);
    const three = e.estimate([coder, { ...coder, parallel: true }, { ...coder, parallel: true }]);
    expect(three.seconds).toBeCloseTo(one.seconds, 9);
    expect(three.cost).toBeCloseTo(3 * one.cost!, 12);
    const judge = (candidates: number) => e.estimate([{ stage: 'judge', iteration: 0, price: PRICE, candidates, judged: 'coder' }]).cost!;
    // Each more candidate adds the coder's expected output (1800 tokens at $1/M) to the Judge's input.
    expect(judge(3) - judge(2)).toBeCloseTo(1800 / 1e6, 12);
  });
});
