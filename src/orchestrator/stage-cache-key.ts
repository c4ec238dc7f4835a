import { createHash } from 'node:crypto';
import { ANSWER_FIELDS, type LlmProvider, type LlmRequest } from '../providers/types.js';

/** Bumped when the key's recipe changes, so old entries are never read under a new meaning. */
const KEY_VERSION = 1;

/**
 * The stage-cache key of a provider request: a SHA-256 over what decides the answer — the provider's name,
 * where its requests go, its answer-changing options, and the request's model, system prompt, messages,
 * temperature and max tokens — never the simulated provider's hints (`stage`, `task`, …), which a real
 * model does not see.
 *
 * `sample` tells apart candidates of one consensus stage that send the same request: the n-th sample of a
 * prompt is its own answer, so three candidates on one model do not collapse into one cached answer.
 */
export function stageCacheKey(provider: Pick<LlmProvider, 'name' | 'baseUrl' | 'answerOptions'>, request: LlmRequest, sample = 1): string {
  const answer: Record<string, unknown> = {};
  for (const field of ANSWER_FIELDS) answer[field] = request[field];
  const material = {
    v: KEY_VERSION,
    provider: provider.name,
    base_url: provider.baseUrl,
    options: sortKeys(provider.answerOptions ?? {}),
    request: answer,
    sample,
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

function sortKeys(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = value[key];
  return out;
}
