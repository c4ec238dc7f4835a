import { findJsonObject } from './tolerant-json.js';

/** The Judge's pick, normalised from whatever it wrote. */
export interface JudgeVerdict {
  /** 1-based number of the chosen candidate (always one that succeeded). */
  choice: number;
  reason: string;
  /**
   * False when no usable answer could be read — no JSON object with a choice, or a choice that is not one of
   * the candidates that succeeded — so the first successful candidate was taken instead.
   */
  parsed: boolean;
}

const CHOICE_KEYS = ['choice', 'best', 'candidate', 'winner', 'pick'] as const;

/**
 * Reads the Judge's answer (`{"choice": number, "reason": string}`) with the same tolerance as a review:
 * fences, prose around the object, trailing commas; `choice` may also be a string like `"2"` or
 * `"Candidate 2"`, or come as `best`/`candidate`/`winner`/`pick`. `eligible` are the candidate numbers that
 * succeeded, in order: an unreadable answer, or one that picks a candidate outside them, falls back to the
 * first of them.
 */
export function parseJudgeVerdict(raw: string, eligible: readonly number[]): JudgeVerdict {
  const first = eligible[0] ?? 1;
  const value = findJsonObject(raw, (v) => CHOICE_KEYS.some((key) => key in v));
  if (value) {
    const key = CHOICE_KEYS.find((k) => k in value);
    const choice = key === undefined ? null : toChoice(value[key]);
    const reason = typeof value.reason === 'string' ? value.reason.trim() : typeof value.why === 'string' ? value.why.trim() : '';
    if (choice !== null && eligible.includes(choice)) return { choice, reason, parsed: true };
  }
  return { choice: first, reason: '', parsed: false };
}

function toChoice(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value === 'string') {
    const match = /(\d+)/.exec(value);
    return match?.[1] === undefined ? null : Number.parseInt(match[1], 10);
  }
  return null;
}
