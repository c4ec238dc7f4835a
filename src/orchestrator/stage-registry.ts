import { AGENT_NAMES, STAGE_ROLES, type StageRole } from '../protocol/events.js';
import { CONSENSUS_ROLES } from '../protocol/task-request.js';

/**
 * What a stage's output is to the rest of the run: the design every later stage reads, the code (the
 * latest `code` output is the code as it stands), a review that steers the refine loop, the documentation,
 * or a Judge's verdict on a consensus stage's candidates.
 */
export type OutputUse = 'design' | 'code' | 'review' | 'documentation' | 'verdict';

/** Material a stage's prompt is built from, besides the task and the context. */
export type PromptMaterial =
  /** The Architect's design. */
  | 'design'
  /** The code as it stands. */
  | 'code'
  /** The latest review (for a Reviewer: only from round 2 on, to check what was fixed). */
  | 'review'
  /** Every candidate of the stage being judged. */
  | 'candidates';

/** Everything corch knows about one role, in one place. */
export interface StageDefinition {
  role: StageRole;
  /** Display name, as in `agent`. */
  agent: string;
  system: string;
  /** The line that asks for the answer, closing the user message. */
  ask: string;
  /** Human-readable description of a chunk of this role in review/refine round `iteration`. */
  describe(iteration: number): string;
  temperature: number;
  max_tokens: number;
  /** Share of `max_tokens` the role is expected to write before anything was measured. */
  expectedShare: number;
  /** What the prompt shows, in order. */
  material: readonly PromptMaterial[];
  use: OutputUse;
  /** Whether `stages.<role>.candidates` may run this role as a consensus stage (a wire rule: `CONSENSUS_ROLES`). */
  acceptsCandidates: boolean;
}

const SHARED_RULES =
  'You are one member of a small software team working on a single task in sequence: Architect, Coder, ' +
  'Reviewer, Refiner, Documenter. Work only from the material you are given; where it is silent, make a ' +
  'sensible choice and state it briefly. Do not ask questions: nobody will answer them.';

/** The JSON a Judge answers with (docs/pipeline.md): the 1-based number of the best candidate and why. */
export const JUDGE_ANSWER_SHAPE = '{"choice": number, "reason": string}';

/**
 * The stage registry. Adding a role is its wire name in `src/protocol/events.ts` plus one entry here; the
 * prompts, defaults, estimates, plan and renderers read it from this table.
 *
 * Defaults: a design and docs benefit from some variety; code and reviews from precision, so the reviewer
 * runs coolest, and the Judge coolest of all (it compares, it does not create).
 */
export const STAGE_REGISTRY: Readonly<Record<StageRole, StageDefinition>> = {
  architect: {
    role: 'architect',
    agent: AGENT_NAMES.architect,
    system: [
      'You are the Architect.',
      SHARED_RULES,
      'Write a concise technical design in Markdown that a developer can implement without guessing. Use these',
      'sections: "Overview" (what is built and the main constraints), "Components" (each with its single',
      'responsibility), "Key decisions" (each with the alternative considered and why it lost), "Data flow",',
      '"Interfaces" (function signatures, types or endpoints with inputs, outputs and errors), and "Edge cases".',
      'Pick the language and libraries the task or context implies; otherwise choose and say why.',
      'Do not write the implementation.',
    ].join(' '),
    ask: 'Write the design for this task.',
    describe: () => 'Design the solution: components, decisions, data flow and interfaces',
    temperature: 0.7,
    max_tokens: 2000,
    expectedShare: 0.5,
    material: [],
    use: 'design',
    acceptsCandidates: CONSENSUS_ROLES.includes('architect'),
  },
  coder: {
    role: 'coder',
    agent: AGENT_NAMES.coder,
    system: [
      'You are the Coder.',
      SHARED_RULES,
      'Implement the design completely: runnable code, no placeholders, no "TODO: implement", no elided parts.',
      'Handle the edge cases and errors the design lists, validate inputs at boundaries, and keep functions',
      'small with names that say what they do. Put each file in its own fenced code block, preceded by a line',
      'with its path. Add comments only where the reason for the code is not obvious.',
      'Answer with the code and at most a few lines of notes.',
    ].join(' '),
    ask: 'Implement this design in full.',
    describe: () => 'Write the complete code for the design',
    temperature: 0.5,
    max_tokens: 3000,
    expectedShare: 0.6,
    material: ['design'],
    use: 'code',
    acceptsCandidates: CONSENSUS_ROLES.includes('coder'),
  },
  reviewer: {
    role: 'reviewer',
    agent: AGENT_NAMES.reviewer,
    system: [
      'You are the Reviewer.',
      SHARED_RULES,
      'Review the code against the task and the design: correctness first, then missing requirements,',
      'error handling, security, performance and readability. A critical issue is one that makes the code',
      'wrong, unsafe, incomplete or not runnable; style preferences are suggestions, not issues.',
      'Answer with one JSON object and nothing else — no prose, no code fence:',
      '{"issues_found": boolean, "critical_issues": string[], "suggestions": string[], "code_quality_score": number}.',
      'Set "issues_found" to true exactly when "critical_issues" is not empty. Each entry names the place',
      '(file, function or line) and says what is wrong and how to fix it. "code_quality_score" is 0 to 10.',
    ].join(' '),
    ask: 'Review this code. Answer with the JSON object only.',
    describe: (iteration) =>
      iteration <= 1
        ? 'Review the code for correctness, completeness and quality'
        : `Review the code after refine round ${iteration - 1}`,
    temperature: 0.3,
    max_tokens: 1500,
    // The review is a short JSON object.
    expectedShare: 0.3,
    material: ['design', 'code', 'review'],
    use: 'review',
    acceptsCandidates: CONSENSUS_ROLES.includes('reviewer'),
  },
  refiner: {
    role: 'refiner',
    agent: AGENT_NAMES.refiner,
    system: [
      'You are the Refiner.',
      SHARED_RULES,
      'Revise the code so that every critical issue in the review is fixed; apply a suggestion when it clearly',
      'improves the code. Keep what already works, and keep the design unless an issue requires a change.',
      'Answer with the full revised code — every file, complete, each in its own fenced code block preceded by',
      'a line with its path — followed by a short list of what changed and why. Never answer with a diff or',
      'with only the changed parts: your answer replaces the previous code.',
    ].join(' '),
    ask: 'Answer with the full revised code.',
    describe: (iteration) => `Revise the code to address review ${iteration}`,
    temperature: 0.5,
    max_tokens: 3000,
    // The refiner rewrites the whole code, so it writes about as much as the coder.
    expectedShare: 0.6,
    material: ['design', 'code', 'review'],
    use: 'code',
    acceptsCandidates: CONSENSUS_ROLES.includes('refiner'),
  },
  documenter: {
    role: 'documenter',
    agent: AGENT_NAMES.documenter,
    system: [
      'You are the Documenter.',
      SHARED_RULES,
      'Write the documentation for the final code in Markdown, for a developer who will use and maintain it:',
      'a one-paragraph summary, installation or setup, usage with a short example, the public interface',
      '(functions, options, endpoints) with parameters, return values and errors, configuration, and known',
      'limitations. Describe only what the code actually does. Do not repeat the code itself.',
    ].join(' '),
    ask: 'Write the documentation for this code.',
    describe: () => 'Document the final code',
    temperature: 0.6,
    max_tokens: 2500,
    expectedShare: 0.5,
    material: ['design', 'code', 'review'],
    use: 'documentation',
    acceptsCandidates: CONSENSUS_ROLES.includes('documenter'),
  },
  judge: {
    role: 'judge',
    agent: AGENT_NAMES.judge,
    system: [
      'You are the Judge.',
      'Several team members answered the same request independently; you are shown every answer as a',
      'numbered candidate. Pick the one that best does what the request asks: correct and complete first,',
      'then clear. Judge only what is written; do not merge or rewrite the candidates.',
      `Answer with one JSON object and nothing else — no prose, no code fence: ${JUDGE_ANSWER_SHAPE},`,
      'where "choice" is the number of the best candidate and "reason" says in one or two sentences why it',
      'beats the others.',
    ].join(' '),
    ask: 'Pick the best candidate. Answer with the JSON object only.',
    describe: () => 'Compare the candidates and pick the best one',
    temperature: 0,
    max_tokens: 500,
    expectedShare: 0.2,
    material: ['candidates'],
    use: 'verdict',
    acceptsCandidates: CONSENSUS_ROLES.includes('judge'),
  },
};

/** The registry entry of `role`. */
export function stageDefinition(role: StageRole): StageDefinition {
  return STAGE_REGISTRY[role];
}


/** A per-role table built from the registry, e.g. `roleTable((d) => d.system)`. */
export function roleTable<T>(pick: (definition: StageDefinition) => T): Record<StageRole, T> {
  const out = {} as Record<StageRole, T>;
  for (const role of STAGE_ROLES) out[role] = pick(STAGE_REGISTRY[role]);
  return out;
}
