import type { StageRole, Usage } from '../protocol/events.js';
import { addCosts, costOf } from './prices.js';
import type { ModelPrice } from './settings.js';
import { roleTable, stageDefinition } from './stage-registry.js';

/** Share of `max_tokens` a stage is expected to write before any stage has run (from the stage registry). */
export const EXPECTED_OUTPUT_SHARE: Readonly<Record<StageRole, number>> = roleTable((d) => d.expectedShare);

/** Output speed assumed for a hosted model before the run has measured one (tokens per second). */
export const DEFAULT_TOKENS_PER_SECOND = 40;
/** Time to the first token assumed for a hosted model before the run has measured one. */
export const DEFAULT_LATENCY_SECONDS = 1;
/** Rough characters per token, for sizing prompts before a provider has counted them. */
const CHARS_PER_TOKEN = 4;

/** One chunk still to run, as the estimator needs it. */
export interface EstimateChunk {
  stage: StageRole;
  iteration: number;
  price: ModelPrice | null;
  /** A consensus candidate after the first: it runs alongside the first, so it adds cost but no time. */
  parallel?: boolean;
  /** For a Judge: how many candidates it reads, and of which role. */
  candidates?: number;
  judged?: StageRole;
}

/** A finished chunk, as measured. */
export interface ChunkActual {
  stage: StageRole;
  usage: Usage;
  duration_ms: number;
}

/** How fast the provider is expected to be before anything is measured. */
export interface SpeedAssumption {
  /** Output tokens per second; `Infinity` for an unthrottled simulated provider. */
  tokensPerSecond: number;
  latencySeconds: number;
  /** What each role will write, when the provider knows it (the simulated one does); else a share of `max_tokens`. */
  outputTokens?: Partial<Record<StageRole, number>>;
}

/** The estimate for the rest of a run. */
export interface RemainingEstimate {
  seconds: number;
  /** USD; null when any remaining chunk's price is unknown. */
  cost: number | null;
}

/**
 * Estimates time and cost of the chunks still to run, and learns from each finished chunk.
 *
 * Before anything ran, a stage is expected to write a fixed share of its `max_tokens` at the assumed speed.
 * After each chunk the estimate moves to what was measured: a role that has run is expected to write what
 * it wrote last time (a refiner what the coder wrote), roles not yet seen are scaled by how far the run's
 * actual output has been from expectations, and the speed becomes the measured output tokens per second of
 * stage time (which includes the time to the first token). Input tokens follow from the prompt size plus
 * the outputs each stage is shown.
 */
export class RunEstimator {
  private readonly actuals: ChunkActual[] = [];
  private readonly lastOutput = new Map<StageRole, number>();

  /**
   * @param promptTokens tokens of each role's prompt before earlier outputs are added (system prompt, task,
   *   context).
   * @param maxTokens each role's `max_tokens`: expectations are a share of it, and never above it.
   */
  constructor(
    private readonly promptTokens: Readonly<Record<StageRole, number>>,
    private readonly maxTokens: Readonly<Record<StageRole, number>>,
    private readonly speed: SpeedAssumption,
  ) {}

  /** Records a finished chunk. */
  record(actual: ChunkActual): void {
    this.actuals.push(actual);
    this.lastOutput.set(actual.stage, actual.usage.output_tokens);
  }

  /** Time and cost of `chunks`, which are the chunks still to run, in order. */
  estimate(chunks: readonly EstimateChunk[]): RemainingEstimate {
    let seconds = 0;
    let cost: number | null = 0;
    for (const chunk of chunks) {
      const output = this.expectedOutput(chunk.stage);
      if (!chunk.parallel) seconds += this.secondsFor(output);
      cost = addCosts(cost, costOf({ input_tokens: this.expectedInput(chunk), output_tokens: output }, chunk.price));
    }
    return { seconds, cost };
  }

  /** Output tokens `stage` is expected to write. */
  expectedOutput(stage: StageRole): number {
    const maxTokens = this.maxTokens[stage];
    const seen = this.lastOutput.get(stage) ?? (stage === 'refiner' ? this.lastOutput.get('coder') : undefined);
    if (seen !== undefined) return Math.min(seen, maxTokens);
    const known = this.speed.outputTokens?.[stage];
    if (known !== undefined) return Math.min(known, maxTokens);
    return Math.min(maxTokens, Math.round(EXPECTED_OUTPUT_SHARE[stage] * maxTokens * this.verbosity()));
  }

  /** Prompt tokens plus the material the registry says the role is shown. */
  private expectedInput(chunk: EstimateChunk): number {
    let input = this.promptTokens[chunk.stage];
    for (const item of stageDefinition(chunk.stage).material) {
      switch (item) {
        case 'design':
          input += this.expectedOutput('architect');
          break;
        case 'code':
          input += this.lastOutput.get('refiner') ?? this.expectedOutput('coder');
          break;
        case 'review':
          // A first review has no earlier review to check; the Documenter sees open issues only sometimes.
          if (chunk.stage === 'refiner' || (chunk.stage === 'reviewer' && chunk.iteration > 1)) input += this.expectedOutput('reviewer');
          break;
        case 'candidates':
          input += (chunk.candidates ?? 0) * this.expectedOutput(chunk.judged ?? 'coder');
          if (chunk.judged !== undefined && chunk.judged !== 'architect') input += this.expectedOutput('architect');
          break;
      }
    }
    return input;
  }

  /** Measured output ÷ expected output over the finished chunks (1 before any ran). */
  private verbosity(): number {
    let actual = 0;
    let expected = 0;
    for (const chunk of this.actuals) {
      actual += chunk.usage.output_tokens;
      expected += EXPECTED_OUTPUT_SHARE[chunk.stage] * this.maxTokens[chunk.stage];
    }
    return expected > 0 ? actual / expected : 1;
  }

  private secondsFor(outputTokens: number): number {
    let tokens = 0;
    let ms = 0;
    for (const chunk of this.actuals) {
      tokens += chunk.usage.output_tokens;
      ms += chunk.duration_ms;
    }
    if (tokens > 0) return (outputTokens * ms) / tokens / 1000;
    if (this.actuals.length > 0) return ms / this.actuals.length / 1000;
    const streaming = Number.isFinite(this.speed.tokensPerSecond) && this.speed.tokensPerSecond > 0;
    return this.speed.latencySeconds + (streaming ? outputTokens / this.speed.tokensPerSecond : 0);
  }
}

/** Token count of a prompt of `chars` characters, before a provider has counted it. */
export function approxTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}
