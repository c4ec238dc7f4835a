import { CorchError } from './errors.js';
import { STAGE_ROLES, type StageRole } from './events.js';
import { describeJson, isPlainObject, nestsDeeperThan } from './json-shape.js';
import { PROVIDER_NAMES } from './provider-names.js';
import {
  BUDGET_KEYS,
  CONSENSUS_ROLES,
  MAX_CANDIDATES,
  MAX_CONTEXT_BYTES,
  MAX_CONTEXT_DEPTH,
  MAX_OUTPUT_TOKENS,
  MAX_TEMPERATURE,
  ON_DISCONNECT_POLICIES,
  type OnDisconnect,
  STAGE_OPTION_KEYS,
  type StageOptions,
  TASK_REQUEST_KEYS,
  type TaskBudget,
  type TaskRequest,
} from './task-request.js';

/**
 * The one check of a task request, for the server's door (`POST /api/stream/task`), the orchestrator and
 * the CLI alike. Takes the parsed body and returns it as a {@link TaskRequest} holding only known keys
 * (`null` for an optional field means "absent", as the original design's clients send it; `stream` is
 * checked and dropped), or throws CorchError `E_INVALID_REQUEST` (400, `details.field`) whose message names
 * the field and the rule, e.g. "`stages.coder.temperature` must be a number from 0 to 2, got 3".
 * Provider options are only checked for shape here; the provider checks their keys when it is created.
 * A valid result validates again unchanged, so layers may each call it.
 */
export function validateTaskRequest(body: unknown): TaskRequest {
  if (!isPlainObject(body)) fail('body', 'the request body must be a JSON object', body);
  rejectUnknownKeys('', body, TASK_REQUEST_KEYS);
  const { task } = body;
  if (typeof task !== 'string') fail('task', '`task` is required and must be a string', task);
  if (task.trim() === '') fail('task', '`task` must not be empty; say what the agents should build', task);

  const request: TaskRequest = { task };
  const context = optional(body.context);
  if (context !== undefined) request.context = validateContext(context);
  const provider = optional(body.provider);
  if (provider !== undefined) request.provider = validateProvider(provider);
  const model = optional(body.model);
  if (model !== undefined) request.model = nonEmptyString('model', model);
  const stages = optional(body.stages);
  if (stages !== undefined) request.stages = validateStages(stages);
  const providerOptions = optional(body.provider_options);
  if (providerOptions !== undefined) request.provider_options = jsonObject('provider_options', providerOptions);
  const budget = optional(body.budget);
  if (budget !== undefined) request.budget = validateBudget(budget);
  const stream = optional(body.stream);
  if (stream !== undefined && typeof stream !== 'boolean') {
    fail('stream', '`stream` must be true or false (it is accepted and ignored: every run streams)', stream);
  }
  const onDisconnect = optional(body.on_disconnect);
  if (onDisconnect !== undefined) request.on_disconnect = validateOnDisconnect(onDisconnect);
  const cache = optional(body.cache);
  if (cache !== undefined) {
    if (typeof cache !== 'boolean') fail('cache', '`cache` must be true or false (false runs without the stage cache)', cache);
    request.cache = cache;
  }
  return request;
}

function validateContext(value: unknown): Record<string, unknown> {
  const context = jsonObject('context', value);
  // TextEncoder rather than Buffer: the web page checks its Context field with this same validator.
  const bytes = new TextEncoder().encode(JSON.stringify(context)).length;
  if (bytes > MAX_CONTEXT_BYTES) {
    fail('context', `\`context\` must be at most ${MAX_CONTEXT_BYTES} bytes of JSON, got ${bytes}; pass less or summarise it`);
  }
  return context;
}

function validateProvider(value: unknown): string {
  const name = nonEmptyString('provider', value);
  if (!(PROVIDER_NAMES as readonly string[]).includes(name)) {
    fail('provider', `\`provider\` must be one of ${PROVIDER_NAMES.join(', ')}`, name);
  }
  return name;
}

function validateStages(value: unknown): Partial<Record<StageRole, StageOptions>> {
  if (!isPlainObject(value)) fail('stages', '`stages` must be a JSON object keyed by role', value);
  const stages: Partial<Record<StageRole, StageOptions>> = {};
  for (const [role, raw] of Object.entries(value)) {
    const field = `stages.${role}`;
    if (!(STAGE_ROLES as readonly string[]).includes(role)) {
      fail(field, `\`${field}\` is not a stage; stages are ${STAGE_ROLES.join(', ')}`);
    }
    stages[role as StageRole] = validateStageOptions(field, optional(raw) ?? {});
  }
  return stages;
}

function validateStageOptions(field: string, raw: unknown): StageOptions {
  if (!isPlainObject(raw)) fail(field, `\`${field}\` must be a JSON object with ${STAGE_OPTION_KEYS.join(', ')}`, raw);
  rejectUnknownKeys(field, raw, STAGE_OPTION_KEYS);
  const options: StageOptions = {};
  const model = optional(raw.model);
  if (model !== undefined) options.model = nonEmptyString(`${field}.model`, model);
  const temperature = optional(raw.temperature);
  if (temperature !== undefined) {
    if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0 || temperature > MAX_TEMPERATURE) {
      fail(`${field}.temperature`, `\`${field}.temperature\` must be a number from 0 to ${MAX_TEMPERATURE}`, temperature);
    }
    options.temperature = temperature;
  }
  const maxTokens = optional(raw.max_tokens);
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_OUTPUT_TOKENS) {
      fail(`${field}.max_tokens`, `\`${field}.max_tokens\` must be a whole number from 1 to ${MAX_OUTPUT_TOKENS}`, maxTokens);
    }
    options.max_tokens = maxTokens;
  }
  const candidates = optional(raw.candidates);
  if (candidates !== undefined) options.candidates = validateCandidates(`${field}.candidates`, candidates);
  return options;
}

/**
 * `stages.<role>.candidates`: a whole number from 1 to {@link MAX_CANDIDATES}, or a list of as many non-empty
 * model names, on a role that can run as a consensus stage.
 */
function validateCandidates(field: string, value: unknown): number | string[] {
  const role = field.split('.')[1] ?? '';
  if (!(CONSENSUS_ROLES as readonly string[]).includes(role)) {
    fail(field, `\`${field}\` is not available: only ${CONSENSUS_ROLES.join(', ')} can run as consensus stages`);
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > MAX_CANDIDATES) {
      fail(field, `\`${field}\` must be a whole number from 1 to ${MAX_CANDIDATES} or a list of models`, value);
    }
    return value;
  }
  if (!Array.isArray(value)) fail(field, `\`${field}\` must be a number of candidates or a list of models`, value);
  if (value.length < 1 || value.length > MAX_CANDIDATES) {
    fail(field, `\`${field}\` must list 1 to ${MAX_CANDIDATES} models, got ${value.length}`);
  }
  return value.map((model, i) => nonEmptyString(`${field}[${i}]`, model));
}

function validateBudget(value: unknown): TaskBudget {
  if (!isPlainObject(value)) fail('budget', '`budget` must be a JSON object', value);
  rejectUnknownKeys('budget', value, BUDGET_KEYS);
  const budget: TaskBudget = {};
  for (const key of ['max_seconds', 'stage_seconds'] as const) {
    const seconds = optional(value[key]);
    if (seconds === undefined) continue;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      fail(`budget.${key}`, `\`budget.${key}\` must be a number of seconds greater than 0`, seconds);
    }
    budget[key] = seconds;
  }
  const cost = optional(value.max_cost);
  if (cost !== undefined) {
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
      fail('budget.max_cost', '`budget.max_cost` must be a number of US dollars, 0 or more', cost);
    }
    budget.max_cost = cost;
  }
  return budget;
}

function validateOnDisconnect(value: unknown): OnDisconnect {
  if (!(ON_DISCONNECT_POLICIES as readonly unknown[]).includes(value)) {
    fail('on_disconnect', `\`on_disconnect\` must be one of ${ON_DISCONNECT_POLICIES.map((p) => `"${p}"`).join(', ')}`, value);
  }
  return value as OnDisconnect;
}

/** A JSON object no deeper than {@link MAX_CONTEXT_DEPTH}, checked before anything serialises it. */
function jsonObject(field: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) fail(field, `\`${field}\` must be a JSON object`, value);
  if (nestsDeeperThan(value, MAX_CONTEXT_DEPTH)) {
    fail(field, `\`${field}\` nests deeper than ${MAX_CONTEXT_DEPTH} levels; flatten it`);
  }
  return value;
}

function rejectUnknownKeys(path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length === 0) return;
  const prefix = path === '' ? '' : `${path}.`;
  const shown = unknown.slice(0, 5).map((key) => `\`${prefix}${key.length > 40 ? `${key.slice(0, 40)}…` : key}\``);
  if (unknown.length > shown.length) shown.push(`and ${unknown.length - shown.length} more`);
  fail(`${prefix}${unknown[0] ?? ''}`, `unknown option ${shown.join(', ')}; allowed: ${allowed.join(', ')}`);
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(field, `\`${field}\` must be a non-empty string`, value);
  return value;
}

function optional(value: unknown): unknown {
  return value === null ? undefined : value;
}

/** `got` is a rest parameter so that "got nothing" (an explicit undefined) differs from "no value to show". */
function fail(field: string, message: string, ...got: [unknown?]): never {
  const shown = got.length > 0 ? `, got ${describeJson(got[0])}` : '';
  throw new CorchError('E_INVALID_REQUEST', `${message}${shown}`, { status: 400, details: { field } });
}
