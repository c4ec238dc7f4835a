import type { PlannedStage, StageRole } from '../protocol/events.js';
import type { ProviderName } from '../providers/types.js';
import { stageDefinition } from './stage-registry.js';
import type { StageSettings } from './stage-settings.js';

/** Most refine rounds (Refiner → Reviewer) a run makes before it documents the code as it stands. */
export const MAX_REFINE_ROUNDS = 3;
/**
 * Refine rounds in the initial plan. A first review of freshly written code nearly always finds something,
 * so planning one round keeps the first estimate honest for the common case; the plan shrinks when the
 * first review is clean and grows when a later review still finds issues.
 */
export const PLANNED_REFINE_ROUNDS = 1;

/**
 * One step of the plan: a single stage, or a consensus stage — its candidates run side by side (one per
 * entry of `models`, in order), then the Judge picks one. `iteration` is the review/refine round (1-based)
 * for reviewer and refiner steps, 0 for the others.
 */
export type PlanStep =
  | { kind: 'stage'; stage: StageRole; iteration: number }
  | { kind: 'consensus'; stage: StageRole; iteration: number; models: readonly CandidateModel[] };

/** One candidate of a consensus stage: its model and the provider that serves it. */
export interface CandidateModel {
  model: string;
  provider: ProviderName;
}

/**
 * One chunk of work, as numbered on the wire. A consensus step with N candidates is N + 1 consecutive
 * chunks: candidate 1 … N (`candidate`, `candidates` set), then its Judge (`stage: 'judge'`, `candidates`
 * set). So `chunk_number` stays unique per chunk and each chunk's tokens join to its own output, as the
 * original's clients expect.
 */
export interface ChunkSpec {
  stage: StageRole;
  iteration: number;
  candidate?: number;
  candidates?: number;
  /** A candidate's model and provider. */
  model?: string;
  provider?: ProviderName;
  /** For a Judge: the role whose candidates it compares. */
  judged?: StageRole;
}

/** Models per consensus role: one entry per candidate. */
export type ConsensusPlan = Partial<Record<StageRole, readonly CandidateModel[]>>;

/** The step that runs `stage` in round `iteration`: a consensus step when `consensus` lists candidates. */
export function stepFor(stage: StageRole, iteration: number, consensus: ConsensusPlan = {}): PlanStep {
  const models = consensus[stage];
  if (models && models.length > 1 && stageDefinition(stage).acceptsCandidates) {
    return { kind: 'consensus', stage, iteration, models };
  }
  return { kind: 'stage', stage, iteration };
}

/** Architect, Coder, then `rounds` × (Reviewer, Refiner), a last Reviewer, and the Documenter. */
export function planSteps(rounds: number = PLANNED_REFINE_ROUNDS, consensus: ConsensusPlan = {}): PlanStep[] {
  const steps: PlanStep[] = [stepFor('architect', 0, consensus), stepFor('coder', 0, consensus)];
  for (let round = 1; round <= rounds; round++) {
    steps.push(stepFor('reviewer', round, consensus), stepFor('refiner', round, consensus));
  }
  steps.push(stepFor('reviewer', rounds + 1, consensus), stepFor('documenter', 0, consensus));
  return steps;
}

/** The chunks of one step, in wire order. */
export function chunksOf(step: PlanStep): ChunkSpec[] {
  if (step.kind === 'stage') return [{ stage: step.stage, iteration: step.iteration }];
  const candidates = step.models.length;
  const chunks: ChunkSpec[] = step.models.map((m, i) => ({
    stage: step.stage,
    iteration: step.iteration,
    candidate: i + 1,
    candidates,
    model: m.model,
    provider: m.provider,
  }));
  chunks.push({ stage: 'judge', iteration: step.iteration, candidates, judged: step.stage });
  return chunks;
}

/** Every chunk of the plan, in wire order (chunk_number = index + 1). */
export function planChunks(plan: readonly PlanStep[]): ChunkSpec[] {
  return plan.flatMap(chunksOf);
}

/** The 1-based number of the first chunk of step `index`. */
export function firstChunkNumber(plan: readonly PlanStep[], index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) n += chunksOf(plan[i]!).length;
  return n;
}

/** How a review changed the plan. */
export type PlanChange = 'round_added' | 'round_dropped' | null;

/**
 * The plan after the review at step `index`: when the review found issues and fewer than
 * `MAX_REFINE_ROUNDS` rounds ran, a refine round (Refiner, Reviewer) follows it — added if it was not
 * planned; otherwise every planned round after it is dropped and the Documenter comes next.
 */
export function replanAfterReview(
  plan: readonly PlanStep[],
  index: number,
  issuesFound: boolean,
  options: { maxRounds?: number; consensus?: ConsensusPlan } = {},
): { plan: PlanStep[]; change: PlanChange } {
  const maxRounds = options.maxRounds ?? MAX_REFINE_ROUNDS;
  const review = plan[index];
  if (review?.stage !== 'reviewer') throw new Error(`step ${index} is not a review`);
  const done = plan.slice(0, index + 1);
  const rest = plan.slice(index + 1);
  const tail = rest.filter((s) => s.stage !== 'reviewer' && s.stage !== 'refiner');
  const planned = rest.length - tail.length;
  if (issuesFound && review.iteration <= maxRounds) {
    // Keep what is already planned after this review; add one round only when none is.
    if (planned > 0) return { plan: [...plan], change: null };
    const round = [stepFor('refiner', review.iteration, options.consensus), stepFor('reviewer', review.iteration + 1, options.consensus)];
    return { plan: [...done, ...round, ...tail], change: 'round_added' };
  }
  return { plan: [...done, ...tail], change: planned > 0 ? 'round_dropped' : null };
}

/** Human-readable description of a chunk, for `chunk_started` and the planned pipeline. */
export function describeChunk(chunk: ChunkSpec): string {
  const text = stageDefinition(chunk.stage).describe(chunk.iteration);
  if (chunk.candidate !== undefined) return `${text} (candidate ${chunk.candidate} of ${chunk.candidates})`;
  if (chunk.stage === 'judge' && chunk.candidates !== undefined) return `${text} (${chunk.candidates} candidates)`;
  return text;
}

/** The model a chunk runs on: its candidate's, else its role's. */
export function chunkModel(chunk: ChunkSpec, stages: Readonly<Record<StageRole, StageSettings>>): string {
  return chunk.model ?? stages[chunk.stage].model;
}

/** The plan as listed in `task_started.pipeline`. */
export function toPlannedStages(
  plan: readonly PlanStep[],
  stages: Readonly<Record<StageRole, StageSettings>>,
): PlannedStage[] {
  return planChunks(plan).map((chunk, i) => ({
    chunk_number: i + 1,
    stage: chunk.stage,
    agent: stageDefinition(chunk.stage).agent,
    description: describeChunk(chunk),
    model: chunkModel(chunk, stages),
    iteration: chunk.iteration,
    ...(chunk.candidate === undefined ? {} : { candidate: chunk.candidate }),
    ...(chunk.candidates === undefined ? {} : { candidates: chunk.candidates }),
  }));
}
