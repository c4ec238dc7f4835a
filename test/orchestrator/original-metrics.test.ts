import { describe, expect, it } from 'vitest';
import { type MetricInputs, originalMetrics } from '../../src/orchestrator/original-metrics.js';

const base: MetricInputs = {
  qualityScore: 8,
  reviewed: true,
  openCriticalIssues: 0,
  refineRounds: 0,
  maxRefineRounds: 3,
  durationMs: 90_000,
  maxSeconds: 900,
  cost: null,
  maxCost: null,
};

describe('originalMetrics', () => {
  it('a first review that approves with 8/10, in a tenth of the time budget', () => {
    expect(originalMetrics(base)).toEqual({ quality: 0.8, efficiency: 0.95, harmony: 1, overall: 0.92 });
  });

  it('refine rounds and budget used lower efficiency; issues left open lower harmony', () => {
    const m = originalMetrics({ ...base, refineRounds: 3, durationMs: 900_000, openCriticalIssues: 3, qualityScore: 4 });
    expect(m).toEqual({ quality: 0.4, efficiency: 0, harmony: 0.25, overall: 0.22 });
  });

  it('counts the cost budget left when there is one and the cost is known', () => {
    expect(originalMetrics({ ...base, cost: 0.5, maxCost: 1 }).efficiency).toBe(0.8);
    expect(originalMetrics({ ...base, cost: null, maxCost: 1 }).efficiency).toBe(0.95);
  });

  it('says null for what was not measured, and averages what was', () => {
    expect(originalMetrics({ ...base, qualityScore: null, reviewed: false })).toEqual({
      quality: null,
      efficiency: 0.95,
      harmony: null,
      overall: 0.95,
    });
  });

  it('stays within 0..1 whatever the inputs', () => {
    const m = originalMetrics({ ...base, qualityScore: 42, durationMs: 10 ** 9, cost: 5, maxCost: 1, refineRounds: 9 });
    for (const value of Object.values(m)) {
      if (value !== null) expect(value >= 0 && value <= 1).toBe(true);
    }
  });
});
