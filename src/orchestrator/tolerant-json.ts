/**
 * Reading JSON that a model wrote: a fenced ```json block, a bare object, or an object with prose around
 * it. Models often wrap JSON in explanations or fences despite being told not to, so each candidate region
 * is tried in turn. Shared by the review and the Judge's verdict, so both are read with the same tolerance.
 */

/** The first JSON object in `text` that `accept` takes, or null. */
export function findJsonObject(
  text: string,
  accept: (value: Record<string, unknown>) => boolean,
): Record<string, unknown> | null {
  for (const candidate of jsonCandidates(text)) {
    const value = tryParse(candidate);
    if (isRecord(value) && accept(value)) return value;
  }
  return null;
}

function* jsonCandidates(text: string): Generator<string> {
  const fence = /```[a-zA-Z]*[ \t]*\r?\n([\s\S]*?)```/g;
  for (const match of text.matchAll(fence)) if (match[1] !== undefined) yield match[1];
  yield text.trim();
  // Every balanced {...} region, outermost first, for objects embedded in prose.
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    const end = matchingBrace(text, start);
    if (end > start) yield text.slice(start, end + 1);
  }
}

/** Index of the `}` closing the `{` at `start`, skipping braces inside JSON strings; -1 if unbalanced. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return -1;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Trailing commas are the most common slip in hand-written JSON; forgive them once.
    try {
      return JSON.parse(text.replace(/,\s*([}\]])/g, '$1'));
    } catch {
      return undefined;
    }
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

