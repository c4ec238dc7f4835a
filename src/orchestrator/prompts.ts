import type { StageRole } from '../protocol/events.js';
import type { LlmMessage } from '../providers/types.js';
import type { Review } from './review.js';

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
}

/** A stage's prompt: a system prompt for the role and one user message with the material. */
export interface StagePrompt {
  system: string;
  messages: LlmMessage[];
}

const SHARED_RULES =
  'You are one member of a small software team working on a single task in sequence: Architect, Coder, ' +
  'Reviewer, Refiner, Documenter. Work only from the material you are given; where it is silent, make a ' +
  'sensible choice and state it briefly. Do not ask questions: nobody will answer them.';

/** System prompts, one per role; exported so docs and tests can show them. */
export const SYSTEM_PROMPTS: Readonly<Record<StageRole, string>> = {
  architect: [
    'You are the Architect.',
    SHARED_RULES,
    'Write a concise technical design in Markdown that a developer can implement without guessing. Use these',
    'sections: "Overview" (what is built and the main constraints), "Components" (each with its single',
    'responsibility), "Key decisions" (each with the alternative considered and why it lost), "Data flow",',
    '"Interfaces" (function signatures, types or endpoints with inputs, outputs and errors), and "Edge cases".',
    'Pick the language and libraries the task or context implies; otherwise choose and say why.',
    'Do not write the implementation.',
  ].join(' '),
  coder: [
    'You are the Coder.',
    SHARED_RULES,
    'Implement the design completely: runnable code, no placeholders, no "TODO: implement", no elided parts.',
    'Handle the edge cases and errors the design lists, validate inputs at boundaries, and keep functions',
    'small with names that say what they do. Put each file in its own fenced code block, preceded by a line',
    'with its path. Add comments only where the reason for the code is not obvious.',
    'Answer with the code and at most a few lines of notes.',
  ].join(' '),
  reviewer: [
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
  refiner: [
    'You are the Refiner.',
    SHARED_RULES,
    'Revise the code so that every critical issue in the review is fixed; apply a suggestion when it clearly',
    'improves the code. Keep what already works, and keep the design unless an issue requires a change.',
    'Answer with the full revised code — every file, complete, each in its own fenced code block preceded by',
    'a line with its path — followed by a short list of what changed and why. Never answer with a diff or',
    'with only the changed parts: your answer replaces the previous code.',
  ].join(' '),
  documenter: [
    'You are the Documenter.',
    SHARED_RULES,
    'Write the documentation for the final code in Markdown, for a developer who will use and maintain it:',
    'a one-paragraph summary, installation or setup, usage with a short example, the public interface',
    '(functions, options, endpoints) with parameters, return values and errors, configuration, and known',
    'limitations. Describe only what the code actually does. Do not repeat the code itself.',
  ].join(' '),
};

/** Builds the prompt for `role` from the inputs; only the material that role needs is included. */
export function buildPrompt(role: StageRole, inputs: PromptInputs): StagePrompt {
  const sections = [section('Task', inputs.task)];
  const context = renderContext(inputs.context);
  if (context) sections.push(section('Context from the user', context));
  switch (role) {
    case 'architect':
      sections.push('Write the design for this task.');
      break;
    case 'coder':
      sections.push(section('Design', inputs.design ?? '(no design was produced)'));
      sections.push('Implement this design in full.');
      break;
    case 'reviewer':
      sections.push(section('Design', inputs.design ?? '(no design was produced)'));
      sections.push(section(inputs.iteration > 1 ? `Code (revision ${inputs.iteration - 1})` : 'Code', inputs.code ?? ''));
      if (inputs.review && inputs.iteration > 1) {
        sections.push(section('Previous review (check whether these were fixed)', renderReview(inputs.review)));
      }
      sections.push('Review this code. Answer with the JSON object only.');
      break;
    case 'refiner':
      sections.push(section('Design', inputs.design ?? '(no design was produced)'));
      sections.push(section('Current code', inputs.code ?? ''));
      sections.push(section('Review to address', inputs.review ? renderReview(inputs.review) : '(no review)'));
      sections.push('Answer with the full revised code.');
      break;
    case 'documenter':
      sections.push(section('Design', inputs.design ?? '(no design was produced)'));
      sections.push(section('Final code', inputs.code ?? ''));
      if (inputs.review && inputs.review.critical_issues.length > 0) {
        sections.push(section('Open issues from the last review (mention under limitations)', renderReview(inputs.review)));
      }
      sections.push('Write the documentation for this code.');
      break;
  }
  return { system: SYSTEM_PROMPTS[role], messages: [{ role: 'user', content: sections.join('\n\n') }] };
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
