import { describe, expect, it } from 'vitest';
import {
  type ConsensusPlan,
  firstChunkNumber,
  type PlanStep,
  planChunks,
  planSteps,
  replanAfterReview,
  toPlannedStages,
} from '../../src/orchestrator/plan.js';
import { resolveStageSettings } from '../../src/orchestrator/stage-settings.js';

const show = (plan: PlanStep[]) => plan.map((c) => `${c.stage}${c.iteration || ''}`).join(' ');

describe('plan', () => {
  it('plans one refine round by default', () => {
    expect(show(planSteps())).toBe('architect coder reviewer1 refiner1 reviewer2 documenter');
    expect(show(planSteps(0))).toBe('architect coder reviewer1 documenter');
  });

  it('a clean first review drops the planned round', () => {
    const next = replanAfterReview(planSteps(), 2, false);
    expect(next.change).toBe('round_dropped');
    expect(show(next.plan)).toBe('architect coder reviewer1 documenter');
  });

  it('a first review with issues keeps the plan', () => {
    expect(replanAfterReview(planSteps(), 2, true)).toEqual({ plan: planSteps(), change: null });
  });

  it('a later review with issues adds a round, up to three', () => {
    let plan = planSteps();
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
    expect(() => replanAfterReview(planSteps(), 0, true)).toThrow('not a review');
  });

  it('lists the plan with chunk numbers, agents and models', () => {
    const stages = resolveStageSettings({ request: { stages: { coder: { model: 'big' } } }, provider: { name: 'openai', defaultModel: 'small' } });
    expect(toPlannedStages(planSteps(0), stages)).toEqual([
      { chunk_number: 1, stage: 'architect', agent: 'Architect', description: expect.any(String), model: 'small', iteration: 0 },
      { chunk_number: 2, stage: 'coder', agent: 'Coder', description: expect.any(String), model: 'big', iteration: 0 },
      { chunk_number: 3, stage: 'reviewer', agent: 'Reviewer', description: expect.any(String), model: 'small', iteration: 1 },
      { chunk_number: 4, stage: 'documenter', agent: 'Documenter', description: expect.any(String), model: 'small', iteration: 0 },
    ]);
  });

  it('a consensus step is its candidates, then its Judge, numbered one chunk each', () => {
    const consensus: ConsensusPlan = {
      coder: [
        { model: 'a', provider: 'openai' },
        { model: 'b', provider: 'anthropic' },
        { model: 'c', provider: 'openrouter' },
      ],
    };
    const plan = planSteps(0, consensus);
    expect(show(plan)).toBe('architect coder reviewer1 documenter');
    expect(planChunks(plan).map((c) => `${c.stage}${c.candidate ?? ''}`)).toEqual([
      'architect',
      'coder1',
      'coder2',
      'coder3',
      'judge',
      'reviewer',
      'documenter',
    ]);
    expect(firstChunkNumber(plan, 2)).toBe(6);
    const stages = resolveStageSettings({ request: {}, provider: { name: 'openai', defaultModel: 'small' } });
    const listed = toPlannedStages(plan, stages);
    expect(listed[2]).toMatchObject({ chunk_number: 3, stage: 'coder', model: 'b', candidate: 2, candidates: 3 });
    expect(listed[4]).toMatchObject({ chunk_number: 5, stage: 'judge', agent: 'Judge', model: 'small', candidates: 3 });
    expect(listed[4]!.candidate).toBeUndefined();
  });

  it('an added refine round keeps the refiner a consensus step when asked for', () => {
    const consensus: ConsensusPlan = { refiner: [{ model: 'x', provider: 'openai' }, { model: 'y', provider: 'openai' }] };
    const plan = replanAfterReview(planSteps(1, consensus), 4, true, { consensus }).plan;
    expect(plan.filter((s) => s.stage === 'refiner').map((s) => s.kind)).toEqual(['consensus', 'consensus']);
  });
});
