import { CorchError } from '../protocol/errors.js';
import { STAGE_ROLES, type StageRole } from '../protocol/events.js';
import { type StageOptions, TASK_REQUEST_KEYS, type TaskBudget, type TaskRequest } from '../protocol/task-request.js';

const STAGE_OPTION_KEYS = ['model', 'temperature', 'max_tokens', 'candidates'] as const;
const BUDGET_KEYS = ['max_seconds', 'max_cost', 'stage_seconds'] as const;

/**
 * Checks a parsed `POST /api/stream/task` body and returns it as a TaskRequest, or throws CorchError
 * `E_INVALID_REQUEST` (400) naming the field and the rule. `null` for an optional field means "absent",
 * as the original Python server's clients send it.
 */
export function validateTaskRequest(body: unknown): TaskRequest {
  if (!isPlainObject(body)) fail(`the request body must be a JSON object, got ${describe(body)}`);
  const unknown = Object.keys(body).filter((key) => !(TASK_REQUEST_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    fail(`unknown option ${unknown.map((key) => `\`${key}\``).join(', ')}; allowed: ${TASK_REQUEST_KEYS.join(', ')}`);
  }
  const { task } = body;
  if (typeof task !== 'string') fail(`\`task\` is required and must be a string, got ${describe(task)}`);
  if (task.trim() === '') fail('`task` must not be empty');

  const request: TaskRequest = { task };
  const context = optional(body.context);
  if (context !== undefined) {
    if (!isPlainObject(context)) fail(`\`context\` must be a JSON object, got ${describe(context)}`);
    request.context = context;
  }
  const provider = optional(body.provider);
  if (provider !== undefined) request.provider = nonEmptyString('provider', provider);
  const model = optional(body.model);
  if (model !== undefined) request.model = nonEmptyString('model', model);
  const stages = optional(body.stages);
  if (stages !== undefined) request.stages = validateStages(stages);
  const providerOptions = optional(body.provider_options);
  if (providerOptions !== undefined) {
    if (!isPlainObject(providerOptions)) {
      fail(`\`provider_options\` must be a JSON object, got ${describe(providerOptions)}`);
    }
    request.provider_options = providerOptions;
  }
  const budget = optional(body.budget);
  if (budget !== undefined) request.budget = validateBudget(budget);
  const cache = optional(body.cache);
  if (cache !== undefined) {
    if (typeof cache !== 'boolean') fail(`\`cache\` must be true or false, got ${describe(cache)}`);
    request.cache = cache;
  }
  return request;
}

function validateStages(value: unknown): Partial<Record<StageRole, StageOptions>> {
  if (!isPlainObject(value)) fail(`\`stages\` must be a JSON object keyed by role, got ${describe(value)}`);
  const stages: Partial<Record<StageRole, StageOptions>> = {};
  for (const [role, raw] of Object.entries(value)) {
    if (!(STAGE_ROLES as readonly string[]).includes(role)) {
      fail(`\`stages.${role}\` is not a stage; stages are ${STAGE_ROLES.join(', ')}`);
    }
    if (!isPlainObject(raw)) fail(`\`stages.${role}\` must be a JSON object, got ${describe(raw)}`);
    rejectUnknownKeys(`stages.${role}`, raw, STAGE_OPTION_KEYS);
    const options: StageOptions = {};
    const model = optional(raw.model);
    if (model !== undefined) options.model = nonEmptyString(`stages.${role}.model`, model);
    const temperature = optional(raw.temperature);
    if (temperature !== undefined) options.temperature = numberIn(`stages.${role}.temperature`, temperature, 0, 2);
    const maxTokens = optional(raw.max_tokens);
    if (maxTokens !== undefined) {
      options.max_tokens = numberIn(`stages.${role}.max_tokens`, maxTokens, 1, Number.MAX_SAFE_INTEGER);
      if (!Number.isInteger(options.max_tokens)) fail(`\`stages.${role}.max_tokens\` must be an integer`);
    }
    const candidates = optional(raw.candidates);
    if (candidates !== undefined) options.candidates = candidates as number | string[];
    stages[role as StageRole] = options;
  }
  return stages;
}

function validateBudget(value: unknown): TaskBudget {
  if (!isPlainObject(value)) fail(`\`budget\` must be a JSON object, got ${describe(value)}`);
  rejectUnknownKeys('budget', value, BUDGET_KEYS);
  const budget: TaskBudget = {};
  const maxSeconds = optional(value.max_seconds);
  if (maxSeconds !== undefined) budget.max_seconds = positive('budget.max_seconds', maxSeconds);
  const stageSeconds = optional(value.stage_seconds);
  if (stageSeconds !== undefined) budget.stage_seconds = positive('budget.stage_seconds', stageSeconds);
  const maxCost = optional(value.max_cost);
  if (maxCost !== undefined) budget.max_cost = numberIn('budget.max_cost', maxCost, 0, Number.MAX_VALUE);
  return budget;
}

function rejectUnknownKeys(path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    fail(`unknown option ${unknown.map((key) => `\`${path}.${key}\``).join(', ')}; allowed: ${allowed.join(', ')}`);
  }
}

function nonEmptyString(path: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(`\`${path}\` must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function positive(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(`\`${path}\` must be a number greater than 0, got ${describe(value)}`);
  }
  return value;
}

function numberIn(path: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.MAX_VALUE || max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min}–${max}`;
    fail(`\`${path}\` must be a number ${range}, got ${describe(value)}`);
  }
  return value;
}

function optional(value: unknown): unknown {
  return value === null ? undefined : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function fail(message: string): never {
  throw new CorchError('E_INVALID_REQUEST', message, { status: 400 });
}
