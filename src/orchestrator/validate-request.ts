import { STAGE_ROLES } from '../protocol/events.js';
import { CorchError } from '../protocol/errors.js';
import type { TaskRequest } from '../protocol/task-request.js';
import { PROVIDER_NAMES } from '../providers/types.js';
import { checkCandidates } from './consensus.js';

/** Highest `temperature` any supported provider accepts. */
export const MAX_TEMPERATURE = 2;
/** A sanity cap on `max_tokens`; no current model writes more in one answer. */
export const MAX_OUTPUT_TOKENS = 1_000_000;

const STAGE_OPTION_KEYS = ['model', 'temperature', 'max_tokens', 'candidates'];
const BUDGET_KEYS = ['max_seconds', 'max_cost', 'stage_seconds'];

/**
 * Checks the parts of a task request the orchestrator interprets (provider, model, stages, budget, the
 * shape of context and provider_options). Throws a CorchError `E_INVALID_REQUEST` whose message names the
 * field and the rule, e.g. "`stages.coder.temperature` must be a number from 0 to 2, got 3".
 * Provider options themselves are checked by the provider when it is created.
 */
export function validateTaskRequest(request: TaskRequest): void {
  const r = request as unknown as Record<string, unknown>;
  if (typeof r.task !== 'string' || r.task.trim() === '') fail('task', 'must be a non-empty string', r.task);
  if (r.context !== undefined && !isPlainObject(r.context)) fail('context', 'must be a JSON object', r.context);
  if (r.provider !== undefined && !(PROVIDER_NAMES as readonly unknown[]).includes(r.provider)) {
    fail('provider', `must be one of ${PROVIDER_NAMES.join(', ')}`, r.provider);
  }
  if (r.model !== undefined) checkModel('model', r.model);
  if (r.provider_options !== undefined && !isPlainObject(r.provider_options)) {
    fail('provider_options', 'must be a JSON object', r.provider_options);
  }
  if (r.stages !== undefined) checkStages(r.stages);
  if (r.budget !== undefined) checkBudget(r.budget);
  if (r.cache !== undefined && typeof r.cache !== 'boolean') fail('cache', 'must be true or false', r.cache);
}

function checkStages(stages: unknown): void {
  if (!isPlainObject(stages)) fail('stages', 'must be a JSON object keyed by role', stages);
  for (const [role, options] of Object.entries(stages)) {
    if (!(STAGE_ROLES as readonly string[]).includes(role)) {
      fail(`stages.${role}`, `is not a stage; stages are ${STAGE_ROLES.join(', ')}`);
    }
    const field = `stages.${role}`;
    if (!isPlainObject(options)) fail(field, 'must be a JSON object with model, temperature or max_tokens', options);
    for (const key of Object.keys(options)) {
      if (!STAGE_OPTION_KEYS.includes(key)) fail(`${field}.${key}`, `is not an option; use ${STAGE_OPTION_KEYS.join(', ')}`);
    }
    if (options.model !== undefined) checkModel(`${field}.model`, options.model);
    const t = options.temperature;
    if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > MAX_TEMPERATURE)) {
      fail(`${field}.temperature`, `must be a number from 0 to ${MAX_TEMPERATURE}`, t);
    }
    const m = options.max_tokens;
    if (m !== undefined && (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > MAX_OUTPUT_TOKENS)) {
      fail(`${field}.max_tokens`, `must be a whole number from 1 to ${MAX_OUTPUT_TOKENS}`, m);
    }
    if (options.candidates !== undefined) checkCandidates(role, options.candidates);
  }
}

function checkBudget(budget: unknown): void {
  if (!isPlainObject(budget)) fail('budget', 'must be a JSON object', budget);
  for (const key of Object.keys(budget)) {
    if (!BUDGET_KEYS.includes(key)) fail(`budget.${key}`, `is not a budget; use ${BUDGET_KEYS.join(', ')}`);
  }
  for (const key of ['max_seconds', 'stage_seconds']) {
    const v = budget[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) {
      fail(`budget.${key}`, 'must be a number of seconds greater than 0', v);
    }
  }
  const cost = budget.max_cost;
  if (cost !== undefined && (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0)) {
    fail('budget.max_cost', 'must be a number of US dollars, 0 or more', cost);
  }
}

function checkModel(field: string, model: unknown): void {
  if (typeof model !== 'string' || model.trim() === '') fail(field, 'must be a non-empty model name', model);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `got` is a rest parameter so that "got nothing" (an explicit undefined) differs from "no value to show". */
function fail(field: string, rule: string, ...got: [unknown?]): never {
  const shown = got.length > 0 ? `, got ${describe(got[0])}` : '';
  throw new CorchError('E_INVALID_REQUEST', `\`${field}\` ${rule}${shown}`, { status: 400, details: { field } });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
