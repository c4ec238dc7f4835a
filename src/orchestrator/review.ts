import { findJsonObject, isRecord } from './tolerant-json.js';

/** The Reviewer's verdict, normalised from whatever the model wrote. */
export interface Review {
  issues_found: boolean;
  critical_issues: string[];
  suggestions: string[];
  /** 0–10, or null when the reviewer gave none (or the review could not be read). */
  code_quality_score: number | null;
  /** False when no JSON object with review fields could be read; the run then assumes issues were found. */
  parsed: boolean;
  /** The reviewer's text as written, kept so an unreadable review still reaches the refiner. */
  raw: string;
}

/**
 * Reads a review tolerantly: a fenced ```json block, a bare object, or an object with prose around it.
 * Models often wrap JSON in explanations or fences despite being told not to, so each candidate is tried in
 * turn and the first object that looks like a review wins. A review that cannot be read counts as
 * "issues found": skipping a refine round on a garbled review would ship code nobody checked.
 */
export function parseReview(raw: string): Review {
  const value = findJsonObject(raw, looksLikeReview);
  if (value) return normalise(value, raw);
  return { issues_found: true, critical_issues: [], suggestions: [], code_quality_score: null, parsed: false, raw };
}

/**
 * Whether a review calls for a refine round: it lists critical issues, or it could not be read (see
 * {@link parseReview}). Suggestions alone never do, even when the reviewer also set `issues_found: true`.
 */
export function needsRefine(review: Review): boolean {
  return !review.parsed || review.critical_issues.length > 0;
}

function looksLikeReview(value: Record<string, unknown>): boolean {
  return ['issues_found', 'critical_issues', 'suggestions', 'code_quality_score'].some((key) => key in value);
}

function normalise(value: Record<string, unknown>, raw: string): Review {
  const critical = toStrings(value.critical_issues);
  const suggestions = toStrings(value.suggestions);
  return {
    issues_found: toBoolean(value.issues_found) ?? critical.length > 0,
    critical_issues: critical,
    suggestions,
    code_quality_score: toScore(value.code_quality_score),
    parsed: true,
    raw,
  };
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true' || lower === 'yes') return true;
    if (lower === 'false' || lower === 'no') return false;
  }
  return undefined;
}

/** Issues may come as strings or as objects (`{issue, severity, …}`); keep each as one readable line. */
function toStrings(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' && value.trim() ? [value] : [];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      if (item.trim()) out.push(item.trim());
    } else if (isRecord(item)) {
      const text = ['issue', 'description', 'message', 'title', 'text'].map((k) => item[k]).find((v) => typeof v === 'string');
      out.push(typeof text === 'string' ? text : JSON.stringify(item));
    } else if (item !== null && item !== undefined) out.push(String(item));
  }
  return out;
}

function toScore(value: unknown): number | null {
  const n = typeof value === 'string' ? Number.parseFloat(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return null;
  // The prompt asks for 0–10; some models answer on a 100-point scale anyway.
  return n > 10 ? Math.min(10, n / 10) : n;
}
