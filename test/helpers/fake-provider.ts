import type { Usage } from '../../src/protocol/events.js';
import type { LlmPart, LlmProvider, LlmRequest, ProviderName } from '../../src/providers/types.js';
import type { ManualClock } from './manual-clock.js';

/** One step of a scripted response. */
export type FakeStep =
  /** Yield a text delta. */
  | { text: string }
  /** Let the event loop turn (a macrotask) before the next step, like bytes arriving in a new TCP read. */
  | { turn: true }
  /** Move the manual clock forward, as if the model took this long. */
  | { advance: number }
  /** Stop and wait until the request is aborted, like a stalled model. */
  | { hang: true }
  /** Fail the stream with this error. */
  | { fail: unknown };

/** A scripted response; `usage` defaults to 10 input tokens and one output token per text step. */
export interface FakeScript {
  steps: FakeStep[];
  usage?: Usage;
  /** Set false to end the stream without the finish part. */
  finish?: boolean;
}

export { ManualClock } from './manual-clock.js';

export interface FakeProviderOptions {
  /** The script for each call (`call` counts from 0). */
  script(request: LlmRequest, call: number): FakeScript;
  clock?: ManualClock;
  name?: ProviderName;
  defaultModel?: string;
  simulated?: boolean;
}

/** A provider that plays scripts and records what it was asked and whether it saw an abort. */
export interface FakeProvider extends LlmProvider {
  readonly requests: LlmRequest[];
  /** Calls whose signal was aborted while the call was still streaming. */
  readonly abortedCalls: number[];
  /** Calls that ran to their end (finish or failure). */
  readonly finishedCalls: number[];
}

/** A scripted LlmProvider for orchestrator tests. */
export function createFakeProvider(options: FakeProviderOptions): FakeProvider {
  const requests: LlmRequest[] = [];
  const abortedCalls: number[] = [];
  const finishedCalls: number[] = [];
  return {
    name: options.name ?? 'openai',
    defaultModel: options.defaultModel ?? 'gpt-4o',
    simulated: options.simulated ?? false,
    baseUrl: options.simulated ? null : 'http://127.0.0.1:1/v1',
    requests,
    abortedCalls,
    finishedCalls,
    stream(request, { signal }) {
      const call = requests.length;
      requests.push(request);
      const script = options.script(request, call);
      let streaming = true;
      signal.addEventListener('abort', () => {
        if (streaming) abortedCalls.push(call);
      });
      return play(script, signal, options.clock, () => {
        streaming = false;
        finishedCalls.push(call);
      }, () => {
        streaming = false;
      });
    },
  };
}

async function* play(
  script: FakeScript,
  signal: AbortSignal,
  clock: ManualClock | undefined,
  onEnd: () => void,
  onStop: () => void,
): AsyncGenerator<LlmPart> {
  try {
    let outputTokens = 0;
    for (const step of script.steps) {
      if (signal.aborted) throw signal.reason;
      if ('text' in step) {
        outputTokens++;
        yield { type: 'text-delta', text: step.text };
      } else if ('turn' in step) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else if ('advance' in step) {
        clock?.advance(step.advance);
      } else if ('hang' in step) {
        await new Promise<never>((_resolve, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      } else {
        onEnd();
        throw step.fail;
      }
    }
    if (script.finish === false) {
      onEnd();
      return;
    }
    onEnd();
    yield {
      type: 'finish',
      usage: script.usage ?? { input_tokens: 10, output_tokens: outputTokens },
      finishReason: 'stop',
    };
  } finally {
    onStop();
  }
}

/** A review in the requested JSON shape. */
export function reviewJson(issuesFound: boolean, score = issuesFound ? 6 : 9): string {
  return JSON.stringify({
    issues_found: issuesFound,
    critical_issues: issuesFound ? ['parse() ignores empty input'] : [],
    suggestions: ['add a docstring'],
    code_quality_score: score,
  });
}

/** Splits text into deltas of `size` characters, each in its own event-loop turn when `turns` is set. */
export function deltas(text: string, size = 3, turns = false): FakeStep[] {
  const steps: FakeStep[] = [];
  for (let i = 0; i < text.length; i += size) {
    steps.push({ text: text.slice(i, i + size) });
    if (turns) steps.push({ turn: true });
  }
  return steps;
}

/**
 * A script per stage: reviews find issues for iterations ≤ `issueRounds` (like the simulated provider's
 * `review_rounds`), other stages write a short text naming the stage and iteration.
 */
export function stageScripts(issueRounds: number, turns = false): (request: LlmRequest) => FakeScript {
  return (request) => {
    const text =
      request.stage === 'reviewer'
        ? reviewJson((request.iteration ?? 1) <= issueRounds)
        : `${request.stage} output (iteration ${request.iteration ?? 0})\n\`\`\`ts\nexport const x = 1;\n\`\`\``;
    return { steps: deltas(text, 4, turns) };
  };
}
