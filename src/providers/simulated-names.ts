/** What the simulated provider derives from the task text: a subject name and a language. */
export interface SimulatedSubject {
  /** The task on one line, shortened for quoting. */
  task: string;
  /** PascalCase name, e.g. `RateLimiter` for "Build a rate limiter for an HTTP API". */
  pascal: string;
  /** camelCase name, e.g. `rateLimiter`. */
  camel: string;
  /** snake_case name, e.g. `rate_limiter`. */
  snake: string;
  /** Words, e.g. `rate limiter`. */
  words: string;
  language: 'typescript' | 'python';
}

const MAX_QUOTED_TASK_CHARS = 120;
const MAX_NAME_WORDS = 2;
/**
 * Longest word kept in a name: the names are repeated all over the simulated code, so one 1 MB word in the
 * task would otherwise make a 100 MB log.
 */
export const MAX_NAME_WORD_CHARS = 24;

// Words that say what to do rather than what to build; skipping them finds the subject of the task.
const FILLER = new Set(
  (
    'a an the build create write make implement develop design add generate for of to in on at with and or ' +
    'that which who me us please simple small tiny basic new good using use uses it its is are be from by ' +
    'into as function program script app application tool code should can could would i we want need some ' +
    'my our your this these python typescript javascript node js ts py class module library service'
  ).split(' '),
);

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Derives a subject name and language from the task text; the same task always gives the same names. */
export function deriveSubject(taskText: string): SimulatedSubject {
  const oneLine = taskText.replace(/\s+/g, ' ').trim();
  const task = oneLine.length > MAX_QUOTED_TASK_CHARS ? `${oneLine.slice(0, MAX_QUOTED_TASK_CHARS - 1)}…` : oneLine;
  const all = oneLine.toLowerCase().match(/[a-z][a-z0-9]*/g) ?? [];
  const picked = all
    .filter((w) => !FILLER.has(w) && w.length > 1)
    .slice(0, MAX_NAME_WORDS)
    .map((w) => w.slice(0, MAX_NAME_WORD_CHARS));
  const parts = picked.length > 0 ? picked : ['solution'];
  const pascal = parts.map(capitalize).join('');
  return {
    task: task === '' ? '(no task given)' : task,
    pascal,
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    snake: parts.join('_'),
    words: parts.join(' '),
    language: /\bpython\b|\.py\b/i.test(oneLine) ? 'python' : 'typescript',
  };
}

/**
 * Splits text into word-ish tokens: each word keeps the whitespace after it, so joining the tokens gives
 * the text back exactly (the orchestrator checks that streamed deltas add up to the output).
 */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s+|\S+\s*/g) ?? [];
}
