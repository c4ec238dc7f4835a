import { describe, expect, it } from 'vitest';
import { type ChunkSpec, planChunks, replanAfterReview, toPlannedStages } from '../../src/orchestrator/plan.js';
import { resolveStageSettings } from '../../src/orchestrator/stage-settings.js';

const show = (plan: ChunkSpec[]) => plan.map((c) => `${c.stage}${c.iteration || ''}`).join(' ');

describe('plan', () => {
  it('plans one refine round by default', () => {
    expect(show(planChunks())).toBe('architect coder reviewer1 refiner1 reviewer2 documenter');
    expect(show(planChunks(0))).toBe('architect coder reviewer1 documenter');
  });

  it('a clean first review drops the planned round', () => {
    const next = replanAfterReview(planChunks(), 2, false);
    expect(next.change).toBe('round_dropped');
    expect(show(next.plan)).toBe('architect coder reviewer1 documenter');
  });

  it('a first review with issues keeps the plan', () => {
    expect(replanAfterReview(planChunks(), 2, true)).toEqual({ plan: planChunks(), change: null });
  });

  it('a later review with issues adds a round, up to three', () => {
    let plan = planChunks();
    const added = replanAfterReview(plan, 4, true);
    expect(added.change).toBe('round_added');
    plan = added.plan;
    expect(show(plan)).toBe('architect coder reviewer1 refiner1 reviewer2 refiner2 reviewer3 documenter');
    plan = replanAfterReview(plan, 6, true).plan;
    expect(show(plan)).toBe('architect coder reviewer1 refiner1 reviewer2 refiner2 reviewer3 refiner3 reviewer4 documenter');
    expect(replanAfterReview(plan, 8, true)).toEqual({ plan, change: null });
    expect(replanAfterReview(plan, 8, false)).toEqual({ plan, change: null });
  });

  it('rejects an index that is not a review', () => {
    expect(() => replanAfterReview(planChunks(), 0, true)).toThrow('not a review');
  });

  it('lists the plan with chunk numbers, agents and models', () => {
    const stages = resolveStageSettings({ request: { stages: { coder: { model: 'big' } } }, provider: { name: 'openai', defaultModel: 'small' } });
    expect(toPlannedStages(planChunks(0), stages)).toEqual([
      { chunk_number: 1, stage: 'architect', agent: 'Architect', description: expect.any(String), model: 'small', iteration: 0 },
      { chunk_number: 2, stage: 'coder', agent: 'Coder', description: expect.any(String), model: 'big', iteration: 0 },
      { chunk_number: 3, stage: 'reviewer', agent: 'Reviewer', description: expect.any(String), model: 'small', iteration: 1 },
      { chunk_number: 4, stage: 'documenter', agent: 'Documenter', description: expect.any(String), model: 'small', iteration: 0 },
    ]);
  });
});
