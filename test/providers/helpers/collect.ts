import type { LlmPart, LlmProvider, LlmRequest } from '../../../src/providers/types.js';

export interface Collected {
  text: string;
  deltas: string[];
  finish: Extract<LlmPart, { type: 'finish' }> | undefined;
  error: unknown;
}

export const REQUEST: LlmRequest = {
  model: 'test-model',
  system: 'You are the Coder.',
  messages: [{ role: 'user', content: 'Write add(a, b).' }],
  temperature: 0.5,
  max_tokens: 300,
  stage: 'coder',
};

/** Drains a provider stream, keeping the partial text when it fails. */
export async function collect(
  provider: LlmProvider,
  request: LlmRequest = REQUEST,
  signal: AbortSignal = new AbortController().signal,
): Promise<Collected> {
  const out: Collected = { text: '', deltas: [], finish: undefined, error: undefined };
  try {
    for await (const part of provider.stream(request, { signal })) {
      if (part.type === 'text-delta') {
        out.deltas.push(part.text);
        out.text += part.text;
      } else {
        out.finish = part;
      }
    }
  } catch (error) {
    out.error = error;
  }
  return out;
}

/** A sleep that returns at once and records what was asked, so retry tests do not wait. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  };
}
