import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import { type EventEnvelope, STAGE_ROLES, type StageRole, type SystemMessageData } from '../protocol/events.js';
import { simulatedOutputTokens } from '../providers/simulated.js';
import { DEFAULT_SIMULATED_OPTIONS, parseSimulatedOptions } from '../providers/simulated-options.js';
import type { LlmProvider, RetryNotice } from '../providers/types.js';
import { DEFAULT_LATENCY_SECONDS, DEFAULT_TOKENS_PER_SECOND, type SpeedAssumption } from './estimates.js';
import { MAX_REFINE_ROUNDS, type PlanChange } from './plan.js';
import { needsRefine, type Review } from './review.js';
import { stageDefinition } from './stage-registry.js';


/**
 * The system_message that says which provider runs the task, why it was picked, and where requests go.
 * The resolver's reason usually names the provider already ("using openai: OPENAI_API_KEY is set"); the
 * name and the simulated label are added only when it does not, so nothing is said twice.
 */
export function providerMessage(provider: LlmProvider, reason: string): string {
  let text = reason.trim();
  if (!text.toLowerCase().includes(provider.name)) text = `provider ${provider.name}: ${text}`;
  if (provider.simulated && !text.includes(SIMULATED_LABEL)) text += ` (${SIMULATED_LABEL})`;
  text = text.charAt(0).toUpperCase() + text.slice(1);
  if (!/[.!?]$/.test(text)) text += '.';
  if (provider.baseUrl) text += ` Requests go to ${provider.baseUrl}.`;
  return text;
}

/**
 * A system_message for a review that changes the course of the run (a round added or dropped, the round
 * limit reached with issues left) or that could not be read; null when there is nothing to say.
 */
export function reviewNote(
  review: Review,
  iteration: number,
  change: PlanChange,
): Omit<SystemMessageData, keyof EventEnvelope> | null {
  const parts: string[] = [];
  let level: SystemMessageData['level'] = 'info';
  if (!review.parsed) {
    parts.push('The review was not valid JSON, so it counts as finding issues.');
    level = 'warn';
  }
  if (change === 'round_added') parts.push(`Review ${iteration} found critical issues: refine round ${iteration} added.`);
  else if (change === 'round_dropped') {
    parts.push(`Review ${iteration} found no critical issues: the planned refine round is skipped.`);
  } else if (needsRefine(review) && iteration > MAX_REFINE_ROUNDS) {
    parts.push(`Review ${iteration} still found critical issues after ${MAX_REFINE_ROUNDS} refine rounds: documenting the code as it stands.`);
    level = 'warn';
  }
  return parts.length > 0 ? { message: parts.join(' '), level } : null;
}

/**
 * Speed assumed before any stage ran: the simulated provider's own pacing (its `tokens_per_second`, 0 =
 * unthrottled), or a typical hosted model.
 */
export function expectedSpeed(provider: LlmProvider, options: Record<string, unknown> | undefined, task = ''): SpeedAssumption {
  if (!provider.simulated) return { tokensPerSecond: DEFAULT_TOKENS_PER_SECOND, latencySeconds: DEFAULT_LATENCY_SECONDS };
  let tps = DEFAULT_SIMULATED_OPTIONS.tokens_per_second;
  const outputTokens: Partial<Record<StageRole, number>> = {};
  try {
    tps = parseSimulatedOptions(options).tokens_per_second;
    // The simulated text is known in advance: the first estimate is what the run will take.
    for (const role of STAGE_ROLES) outputTokens[role] = simulatedOutputTokens(role, task, options);
  } catch {
    // The provider already accepted these options when it was created; keep the default if they differ.
  }
  return { tokensPerSecond: tps > 0 ? tps : Number.POSITIVE_INFINITY, latencySeconds: 0, outputTokens };
}

/** The system_message after a stage answered from the stage cache: what the replay saved. */
export function cacheNote(
  spec: { stage: StageRole; candidate?: number },
  result: { savedCost: number | null; savedMs: number },
): Omit<SystemMessageData, keyof EventEnvelope> {
  const who = `${stageDefinition(spec.stage).agent}${spec.candidate === undefined ? '' : ` candidate ${spec.candidate}`}`;
  const cost = result.savedCost === null ? 'an unknown cost' : `$${result.savedCost.toFixed(4)}`;
  return {
    message: `${who}: answered from the stage cache (no model was called); saved ${cost} and ${(result.savedMs / 1000).toFixed(1)} s.`,
    level: 'info',
  };
}

type Note = Omit<SystemMessageData, keyof EventEnvelope>;

/** Why a provider request is retried, who retries it, and when: "Coder (gpt-4o): rate limited …". */
export function retryNote(agent: string, model: string, notice: RetryNotice): Note {
  const why = RETRY_REASONS[notice.code] ?? notice.message;
  return {
    message:
      `${agent} (${model}): ${why}; retrying in ${(notice.delayMs / 1000).toFixed(1)} s ` +
      `(attempt ${notice.attempt + 1} of ${notice.maxAttempts}).`,
    level: 'warn',
  };
}

const RETRY_REASONS: Readonly<Record<string, string>> = {
  E_PROVIDER_RATE_LIMIT: 'rate limited by the provider',
  E_PROVIDER_UNAVAILABLE: 'the provider is unavailable',
};

/** Refining stops before round `iteration` because the time budget would not cover it and the Documenter. */
export function budgetStopNote(iteration: number, maxSeconds: number): Note {
  return {
    message:
      `Too little of the ${maxSeconds} s time budget is left for refine round ${iteration}: ` +
      'documenting the code as it stands. Raise --max-seconds for more rounds.',
    level: 'warn',
  };
}

/** The time budget ran out once there was code: the run ends with the code as it stands. */
export function timeRanOutNote(maxSeconds: number, stage: StageRole | null, outputs: Partial<Record<StageRole, string>>): Note {
  const source = outputs.refiner !== undefined ? "the last Refiner's code" : "the Coder's code";
  const docs = outputs.documenter === undefined ? ', without documentation' : '';
  return {
    message:
      `The ${maxSeconds} s time budget ran out${stage ? ` during the ${stage} stage` : ''}: ` +
      `the result is ${source}${docs}. Raise --max-seconds to let the run finish.`,
    level: 'warn',
  };
}

/** Costs show as unknown because these models have no known price: say how to give one. */
export function unknownPriceNote(models: readonly string[]): Note {
  const example = models[0] ?? '<model>';
  return {
    message:
      `The price of ${models.join(', ')} is unknown, so costs show as n/a; set it with ` +
      `corch config set prices.${example} <input>,<output> (USD per 1M tokens) on the server that runs the task.`,
    level: 'info',
  };
}
