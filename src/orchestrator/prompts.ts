import type { StageRole } from '../protocol/events.js';
import type { LlmMessage } from '../providers/types.js';
import type { Review } from './review.js';
import { type PromptMaterial, roleTable, type StageDefinition, stageDefinition } from './stage-registry.js';

/** What a stage may be shown: the user's task and context plus the earlier outputs it needs. */
export interface PromptInputs {
  task: string;
  context: Record<string, unknown>;
  /** The Architect's design (for every stage after it). */
  design?: string;
  /** The code under review / to refine / to document: the Coder's, or the latest Refiner's. */
  code?: string;
  /** The review the Refiner addresses, or the previous review a later Reviewer checks against. */
  review?: Review;
  /** Review/refine round, 1-based. */
  iteration: number;
  /** For the Judge: the role whose candidates it compares, and the candidates. */
  judged?: StageRole;
  candidates?: readonly JudgedCandidate[];
}

/** A stage's prompt: a system prompt for the role and one user message with the material. */
export interface StagePrompt {
  system: string;
  messages: LlmMessage[];
}

/** System prompts, one per role (from the stage registry); exported so docs and tests can show them. */
export const SYSTEM_PROMPTS: Readonly<Record<StageRole, string>> = roleTable((d) => d.system);

/** One candidate of a consensus stage, as the Judge is shown it. */
export interface JudgedCandidate {
  candidate: number;
  model: string;
  output: string;
}

/**
 * Builds the prompt for `role` from the inputs: the task, the context, then the material the registry
 * lists for the role, then the role's request. Only the material that role needs is included.
 */
export function buildPrompt(role: StageRole, inputs: PromptInputs): StagePrompt {
  const definition = stageDefinition(role);
  const sections = [section('Task', inputs.task)];
  const context = renderContext(inputs.context);
  if (context) sections.push(section('Context from the user', context));
  const judged = inputs.judged === undefined ? undefined : stageDefinition(inputs.judged);
  // A Judge sees what its candidates saw (the design, for code) so it can tell which answer fits it.
  const material = judged ? [...judged.material.filter((m) => m === 'design'), 'candidates' as const] : definition.material;
  for (const item of material) {
    const text = materialSection(role, item, inputs, judged);
    if (text) sections.push(text);
  }
  sections.push(definition.ask);
  return { system: definition.system, messages: [{ role: 'user', content: sections.join('\n\n') }] };
}

function materialSection(
  role: StageRole,
  item: PromptMaterial,
  inputs: PromptInputs,
  judged: StageDefinition | undefined,
): string | null {
  switch (item) {
    case 'design':
      return section('Design', inputs.design ?? '(no design was produced)');
    case 'code': {
      const title =
        role === 'reviewer'
          ? inputs.iteration > 1
            ? `Code (revision ${inputs.iteration - 1})`
            : 'Code'
          : role === 'refiner'
            ? 'Current code'
            : 'Final code';
      return section(title, inputs.code ?? '');
    }
    case 'review':
      if (role === 'reviewer') {
        if (!inputs.review || inputs.iteration <= 1) return null;
        return section('Previous review (check whether these were fixed)', renderReview(inputs.review));
      }
      if (role === 'refiner') return section('Review to address', inputs.review ? renderReview(inputs.review) : '(no review)');
      if (!inputs.review || inputs.review.critical_issues.length === 0) return null;
      return section('Open issues from the last review (mention under limitations)', renderReview(inputs.review));
    case 'candidates': {
      const asked = judged ? `${judged.agent}: ${judged.describe(inputs.iteration)}. Their instructions were:\n\n${judged.system}` : '';
      const parts = [section('What each candidate was asked', asked)];
      for (const c of inputs.candidates ?? []) parts.push(section(`Candidate ${c.candidate} (${c.model})`, c.output || '(empty answer)'));
      return parts.join('\n\n');
    }
  }
}

function section(title: string, body: string): string {
  return `## ${title}\n\n${body.trim()}`;
}

/** The user's context object as JSON; empty when there is none, so stages are not shown a bare `{}`. */
function renderContext(context: Record<string, unknown>): string {
  if (Object.keys(context).length === 0) return '';
  return '```json\n' + JSON.stringify(context, null, 2) + '\n```';
}

/**
 * A review as the Refiner should read it. An unreadable review is passed on verbatim: the reviewer's prose
 * is still the best guide to what needs fixing.
 */
export function renderReview(review: Review): string {
  if (!review.parsed) return `The review was not in the expected format; here it is as written:\n\n${review.raw.trim()}`;
  const lines: string[] = [];
  lines.push(`Score: ${review.code_quality_score ?? 'not given'} / 10`);
  lines.push('Critical issues:');
  lines.push(...(review.critical_issues.length ? review.critical_issues.map((i) => `- ${i}`) : ['- none']));
  lines.push('Suggestions:');
  lines.push(...(review.suggestions.length ? review.suggestions.map((s) => `- ${s}`) : ['- none']));
  return lines.join('\n');
}
