import { simulatedCode } from './simulated-code.js';
import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import type { SimulatedSubject } from './simulated-names.js';

/** The review the simulated reviewer writes, in the shape the orchestrator parses. */
export interface SimulatedReview {
  issues_found: boolean;
  critical_issues: string[];
  suggestions: string[];
  code_quality_score: number;
}

/** What each review round complains about; round n raises point n, which refine round n then fixes. */
const ROUND_ISSUES = [
  '`handle` accepts an empty or whitespace-only key and counts it like any other.',
  'There is no way to clear the state between uses, which makes the class hard to test and reuse.',
  'Callers cannot see how many entries are kept, so the capacity limit cannot be monitored.',
] as const;

const FIRST_SCORE = 6;
const PASSING_SCORE = 9;

/** Builds the review for one round: issues for rounds ≤ `reviewRounds`, a clean review after that. */
export function simulatedReview(s: SimulatedSubject, iteration: number, reviewRounds: number): SimulatedReview {
  if (iteration <= reviewRounds) {
    const issue = ROUND_ISSUES[(iteration - 1) % ROUND_ISSUES.length] ?? ROUND_ISSUES[0];
    return {
      issues_found: true,
      critical_issues: [issue],
      suggestions: [
        `Add a unit test for ${s.pascal} that covers this case.`,
        'Keep error messages specific: name the bad value and the rule.',
      ],
      code_quality_score: Math.min(PASSING_SCORE - 1, FIRST_SCORE + iteration - 1),
    };
  }
  return {
    issues_found: false,
    critical_issues: [],
    suggestions: [`Consider documenting the eviction order of ${s.pascal} in its TSDoc.`],
    code_quality_score: PASSING_SCORE,
  };
}

function architect(s: SimulatedSubject): string {
  return [
    `> _${SIMULATED_LABEL}._ This design is a fixed template filled in with names taken from the task.`,
    '',
    `# Design: ${s.pascal}`,
    '',
    `Task: "${s.task}"`,
    '',
    '## Components',
    '',
    `- **${s.pascal}** — the public entry point: validates input and records each use of a key.`,
    `- **${s.pascal}Options** — capacity and an injected clock, validated once at construction.`,
    `- **${s.pascal}Error** — one error type with a stable \`code\`, so callers can branch on it.`,
    '- **Entry store** — an insertion-ordered map; the oldest entry is evicted when full.',
    '',
    '## Decisions',
    '',
    '1. Keep the core synchronous and free of I/O, so it is fast and easy to test.',
    '2. Inject the clock rather than reading the time directly, so tests control time.',
    '3. Bound memory with a fixed capacity instead of letting the store grow without limit.',
    '4. Fail early with specific messages that name the bad value and the rule.',
    '',
    '## Data flow',
    '',
    `1. The caller creates a \`${s.pascal}\` with its options.`,
    `2. Each call to \`handle(key)\` validates the key, updates its count and evicts the oldest entry if needed.`,
    '3. The result carries the key, its running count and the time of the call.',
    '',
    '## Interfaces',
    '',
    '```typescript',
    `interface ${s.pascal}Options { capacity: number; now?: () => number }`,
    `interface ${s.pascal}Result { key: string; count: number; at: number }`,
    `class ${s.pascal} { constructor(options: ${s.pascal}Options); handle(key: string): ${s.pascal}Result }`,
    '```',
    '',
  ].join('\n');
}

function coder(s: SimulatedSubject, revision: number): string {
  const intro =
    revision === 0
      ? `Here is an implementation of the design for "${s.task}".`
      : `Here is the revised implementation for refine round ${revision}, addressing the review.`;
  return [`> _${SIMULATED_LABEL}._ ${intro}`, '', simulatedCode(s, revision), ''].join('\n');
}

function reviewer(s: SimulatedSubject, iteration: number, reviewRounds: number): string {
  const review = simulatedReview(s, iteration, reviewRounds);
  return [`> _${SIMULATED_LABEL}._ Review round ${iteration}.`, '', '```json', JSON.stringify(review, null, 2), '```', ''].join(
    '\n',
  );
}

function documenter(s: SimulatedSubject): string {
  const py = s.language === 'python';
  const name = py ? s.snake : s.camel;
  const call = py ? `${s.pascal}(capacity=100)` : `new ${s.pascal}({ capacity: 100 })`;
  return [
    `> _${SIMULATED_LABEL}._ These docs are a fixed template filled in with names taken from the task.`,
    '',
    `# ${s.pascal}`,
    '',
    `A small module for "${s.task}".`,
    '',
    '## Usage',
    '',
    '```' + s.language,
    `${py ? '' : 'const '}${name} = ${call}${py ? '' : ';'}`,
    `${name}.handle("example")${py ? '' : ';'}`,
    '```',
    '',
    '## API',
    '',
    `- \`handle(key)\` — records one use of \`key\` and returns \`{ key, count, at }\`.`,
    `- Errors are \`${s.pascal}Error\` with a stable \`code\` (\`E_CAPACITY\`, \`E_KEY\`).`,
    '',
    '## Notes',
    '',
    `- Memory is bounded by \`capacity\`; the oldest ${s.words} entry is evicted first.`,
    '- The clock is injected, so tests can run without waiting.',
    '',
  ].join('\n');
}

/**
 * The whole text one simulated stage writes. `iteration` is the review/refine round (1-based); stages
 * that have none ignore it. Unknown stages get a short labelled note rather than an error.
 */
export function simulatedStageText(
  stage: string | undefined,
  s: SimulatedSubject,
  iteration: number,
  reviewRounds: number,
  candidate?: number,
): string {
  // Candidates of a consensus stage get the same template with a line saying which variant they are, so
  // their outputs differ (as real samples would) while staying deterministic.
  const variant = candidate !== undefined && candidate > 1 ? `\n> Candidate ${candidate}: variant ${candidate} of the simulated answer.\n` : '';
  switch (stage) {
    case 'architect':
      return architect(s) + variant;
    case 'coder':
      return coder(s, 0) + variant;
    case 'refiner':
      return coder(s, Math.max(1, iteration)) + variant;
    case 'reviewer':
      return reviewer(s, Math.max(1, iteration), reviewRounds);
    case 'documenter':
      return documenter(s) + variant;
    case 'judge':
      // The simulated Judge always picks the first candidate: it cannot compare anything.
      return JSON.stringify({ choice: 1, reason: `${SIMULATED_LABEL}: the simulated Judge always picks candidate 1.` });
    default:
      return `> _${SIMULATED_LABEL}._ A placeholder answer for "${s.task}".\n`;
  }
}
