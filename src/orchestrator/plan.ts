import { AGENT_NAMES, type PlannedStage, type StageRole } from '../protocol/events.js';
import type { StageSettings } from './stage-settings.js';

/** Most refine rounds (Refiner → Reviewer) a run makes before it documents the code as it stands. */
export const MAX_REFINE_ROUNDS = 3;
/**
 * Refine rounds in the initial plan. A first review of freshly written code nearly always finds something,
 * so planning one round keeps the first estimate honest for the common case; the plan shrinks when the
 * first review is clean and grows when a later review still finds issues.
 */
export const PLANNED_REFINE_ROUNDS = 1;

/** One chunk of work: a stage and its review/refine round (0 for architect, coder and documenter). */
export interface ChunkSpec {
  stage: StageRole;
  iteration: number;
}

/** Architect, Coder, then `rounds` × (Reviewer, Refiner), a last Reviewer, and the Documenter. */
export function planChunks(rounds: number = PLANNED_REFINE_ROUNDS): ChunkSpec[] {
  const chunks: ChunkSpec[] = [
    { stage: 'architect', iteration: 0 },
    { stage: 'coder', iteration: 0 },
  ];
  for (let round = 1; round <= rounds; round++) {
    chunks.push({ stage: 'reviewer', iteration: round }, { stage: 'refiner', iteration: round });
  }
  chunks.push({ stage: 'reviewer', iteration: rounds + 1 }, { stage: 'documenter', iteration: 0 });
  return chunks;
}

/** How a review changed the plan. */
export type PlanChange = 'round_added' | 'round_dropped' | null;

/**
 * The plan after the review at `index` of `plan`: when the review found issues and fewer than
 * `MAX_REFINE_ROUNDS` rounds ran, a refine round (Refiner, Reviewer) follows it — added if it was not
 * planned; otherwise every planned round after it is dropped and the Documenter comes next.
 */
export function replanAfterReview(
  plan: readonly ChunkSpec[],
  index: number,
  issuesFound: boolean,
  maxRounds: number = MAX_REFINE_ROUNDS,
): { plan: ChunkSpec[]; change: PlanChange } {
  const review = plan[index];
  if (review?.stage !== 'reviewer') throw new Error(`chunk ${index} is not a review`);
  const done = plan.slice(0, index + 1);
  const rest = plan.slice(index + 1);
  const tail = rest.filter((c) => c.stage !== 'reviewer' && c.stage !== 'refiner');
  const planned = rest.length - tail.length;
  if (issuesFound && review.iteration <= maxRounds) {
    // Keep what is already planned after this review; add one round only when none is.
    if (planned > 0) return { plan: [...plan], change: null };
    const round: ChunkSpec[] = [
      { stage: 'refiner', iteration: review.iteration },
      { stage: 'reviewer', iteration: review.iteration + 1 },
    ];
    return { plan: [...done, ...round, ...tail], change: 'round_added' };
  }
  return { plan: [...done, ...tail], change: planned > 0 ? 'round_dropped' : null };
}

/** Human-readable description of a chunk, for `chunk_started` and the planned pipeline. */
export function describeChunk(chunk: ChunkSpec): string {
  switch (chunk.stage) {
    case 'architect':
      return 'Design the solution: components, decisions, data flow and interfaces';
    case 'coder':
      return 'Write the complete code for the design';
    case 'reviewer':
      return chunk.iteration <= 1
        ? 'Review the code for correctness, completeness and quality'
        : `Review the code after refine round ${chunk.iteration - 1}`;
    case 'refiner':
      return `Revise the code to address review ${chunk.iteration}`;
    case 'documenter':
      return 'Document the final code';
  }
}

/** The plan as listed in `task_started.pipeline`. */
export function toPlannedStages(
  plan: readonly ChunkSpec[],
  stages: Readonly<Record<StageRole, StageSettings>>,
): PlannedStage[] {
  return plan.map((chunk, i) => ({
    chunk_number: i + 1,
    stage: chunk.stage,
    agent: AGENT_NAMES[chunk.stage],
    description: describeChunk(chunk),
    model: stages[chunk.stage].model,
    iteration: chunk.iteration,
  }));
}
