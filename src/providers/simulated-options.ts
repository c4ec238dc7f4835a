import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import { booleanOption, choiceOption, invalidOption, numberOption } from './option-values.js';

/** How the simulated provider behaves; every field comes from the request's `provider_options`. */
export interface SimulatedOptions {
  /** Output speed; 0 writes as fast as possible. */
  tokens_per_second: number;
  /** Review rounds that find issues: the reviewer says `issues_found: true` for iterations ≤ this. */
  review_rounds: number;
  /** Deltas yielded per event-loop turn when unthrottled. */
  burst: number;
  /** The role whose stage fails on purpose, or null. */
  fail_stage: StageRole | null;
  /** Tokens written by the failing stage before it fails. */
  fail_after_tokens: number;
  /** `error` throws E_SIMULATED_FAILURE; `hang` stops writing until the signal aborts. */
  fail_mode: 'error' | 'hang';
  /** The `retryable` flag of the simulated failure. */
  fail_retryable: boolean;
}

export const DEFAULT_SIMULATED_OPTIONS: Readonly<SimulatedOptions> = {
  tokens_per_second: 200,
  review_rounds: 1,
  burst: 1,
  fail_stage: null,
  fail_after_tokens: 0,
  fail_mode: 'error',
  fail_retryable: false,
};

const MAX_REVIEW_ROUNDS = 3;
const MAX_BURST = 1024;
const FAIL_MODES = ['error', 'hang'] as const;

type Key = keyof SimulatedOptions;
const KEYS = Object.keys(DEFAULT_SIMULATED_OPTIONS) as Key[];

/**
 * Validates the simulated provider's options and fills in defaults. An unknown key or a bad value throws
 * CorchError `E_INVALID_REQUEST` naming the option and the rule. `null`/`undefined` values mean "default".
 */
export function parseSimulatedOptions(input: Record<string, unknown> | undefined = {}): SimulatedOptions {
  const out: SimulatedOptions = { ...DEFAULT_SIMULATED_OPTIONS };
  for (const [key, value] of Object.entries(input)) {
    if (!(KEYS as string[]).includes(key)) {
      throw invalidOption(`unknown provider option \`${key}\` for the simulated provider; valid options: ${KEYS.join(', ')}`);
    }
    if (value === undefined || value === null) continue;
    const k = key as Key;
    switch (k) {
      case 'tokens_per_second':
        out.tokens_per_second = numberOption(k, value, 0, Number.POSITIVE_INFINITY, false);
        break;
      case 'review_rounds':
        out.review_rounds = numberOption(k, value, 0, MAX_REVIEW_ROUNDS, true);
        break;
      case 'burst':
        out.burst = numberOption(k, value, 1, MAX_BURST, true);
        break;
      case 'fail_stage':
        out.fail_stage = choiceOption(k, value, STAGE_ROLES);
        break;
      case 'fail_after_tokens':
        out.fail_after_tokens = numberOption(k, value, 0, Number.MAX_SAFE_INTEGER, true);
        break;
      case 'fail_mode':
        out.fail_mode = choiceOption(k, value, FAIL_MODES);
        break;
      case 'fail_retryable':
        out.fail_retryable = booleanOption(k, value);
        break;
    }
  }
  return out;
}
