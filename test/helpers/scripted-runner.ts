/**
 * TEST-ONLY placeholder Runner: emits a scripted sequence of events instead of running agents. It lets the
 * server be tested on its own, with controllable pacing, failures and abort handling. Never import it
 * from `src/`: `corch serve` must not ship a fake run as the product.
 */
import type { EventInput } from '../../src/protocol/events.js';
import type { TaskRequest } from '../../src/protocol/task-request.js';
import type { RunContext, Runner } from '../../src/streams/run-function.js';

export interface ScriptOptions {
  task?: string;
  /** `token_stream` events in the one chunk (default 5). */
  tokens?: number;
  /** End with `task_completed` (default true). */
  terminal?: boolean;
}

/** A small but complete run: started, plan, one chunk with `tokens` deltas, completed. */
export function scriptedEvents(options: ScriptOptions = {}): EventInput[] {
  const tokens = options.tokens ?? 5;
  const deltas = Array.from({ length: tokens }, (_, i) => `tok${i + 1} `);
  const output = deltas.join('');
  const usage = { input_tokens: 10, output_tokens: tokens };
  const events: EventInput[] = [
    {
      event: 'task_started',
      data: { task: options.task ?? 'test task', context: {}, pipeline: [], provider: 'scripted', model: 'script', simulated: true },
    },
    {
      event: 'task_progress',
      data: {
        total_chunks: 1,
        estimated_time: 1,
        estimated_cost: 0,
        chunks_completed: 0,
        actual_cost: 0,
        elapsed: 0,
        usage: { input_tokens: 0, output_tokens: 0 },
        reason: 'plan',
      },
    },
    {
      event: 'chunk_started',
      data: { chunk_number: 1, agent: 'Coder', stage: 'coder', description: 'write it', total_chunks: 1, iteration: 0, model: 'script' },
    },
    ...deltas.map(
      (tokensText): EventInput => ({
        event: 'token_stream',
        data: { tokens: tokensText, agent: 'Coder', chunk_number: 1, stage: 'coder' },
      }),
    ),
    {
      event: 'chunk_completed',
      data: { chunk_number: 1, agent: 'Coder', output, stage: 'coder', usage, cost: 0, duration_ms: 1, iteration: 0 },
    },
  ];
  if (options.terminal !== false) {
    events.push({
      event: 'task_completed',
      data: {
        result: output,
        metrics: {
          total_chunks: 1,
          chunks_completed: 1,
          refine_rounds: 0,
          input_tokens: 10,
          output_tokens: tokens,
          tokens_per_second: 0,
          duration_ms: 1,
          cost: 0,
        },
        outputs: { coder: output },
        usage,
        cost: 0,
        duration_ms: 1,
      },
    });
  }
  return events;
}

export interface ScriptedRunnerOptions {
  /** Events of each run (default: `scriptedEvents({ task: request.task })`). */
  script?: (request: TaskRequest) => EventInput[];
  /**
   * `immediate` (default) emits everything at once; `manual` waits for {@link ScriptedRunner.release}
   * before each event; a number waits that many real milliseconds between events.
   */
  pace?: 'immediate' | 'manual' | number;
  /** Throw `failWith` after this many events. */
  failAfter?: number;
  failWith?: Error;
  /** Keep emitting after the signal is aborted, to prove later emits are dropped. */
  ignoreAbort?: boolean;
  prepare?: (request: TaskRequest) => Promise<void>;
}

interface Gate {
  credits: number;
  wake: (() => void) | undefined;
}

export class ScriptedRunner implements Runner {
  readonly contexts: RunContext[] = [];
  /** Per stream: how many events the script has emitted so far. */
  readonly emitted = new Map<string, number>();
  readonly prepare: ((request: TaskRequest) => Promise<void>) | undefined;
  readonly #options: ScriptedRunnerOptions;
  readonly #gates = new Map<string, Gate>();
  readonly #startWaiters: ((ctx: RunContext) => void)[] = [];

  constructor(options: ScriptedRunnerOptions = {}) {
    this.#options = options;
    this.prepare = options.prepare;
  }

  /** Lets `count` more events of a manually paced run out. */
  release(streamId: string, count = 1): void {
    const gate = this.#gate(streamId);
    gate.credits += count;
    gate.wake?.();
  }

  /** Resolves with the context of the next run to start (or the latest, if one already started unseen). */
  nextStart(): Promise<RunContext> {
    return new Promise((resolve) => this.#startWaiters.push(resolve));
  }

  async run(ctx: RunContext): Promise<void> {
    this.contexts.push(ctx);
    this.#startWaiters.shift()?.(ctx);
    const script = this.#options.script?.(ctx.request) ?? scriptedEvents({ task: ctx.request.task });
    const pace = this.#options.pace ?? 'immediate';
    let sent = 0;
    for (const event of script) {
      if (this.#options.failAfter !== undefined && sent >= this.#options.failAfter) {
        throw this.#options.failWith ?? new Error('scripted failure');
      }
      if (!this.#options.ignoreAbort && ctx.signal.aborted) throw ctx.signal.reason;
      if (pace === 'manual') await this.#takeCredit(ctx);
      else if (typeof pace === 'number') await sleep(pace, this.#options.ignoreAbort ? undefined : ctx.signal);
      await ctx.emit(event);
      sent += 1;
      this.emitted.set(ctx.streamId, sent);
    }
    if (this.#options.failAfter !== undefined && sent >= this.#options.failAfter) {
      throw this.#options.failWith ?? new Error('scripted failure');
    }
  }

  #gate(streamId: string): Gate {
    let gate = this.#gates.get(streamId);
    if (!gate) {
      gate = { credits: 0, wake: undefined };
      this.#gates.set(streamId, gate);
    }
    return gate;
  }

  async #takeCredit(ctx: RunContext): Promise<void> {
    const gate = this.#gate(ctx.streamId);
    while (gate.credits === 0) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(ctx.signal.reason);
        gate.wake = () => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve();
        };
        if (this.#options.ignoreAbort) return;
        if (ctx.signal.aborted) onAbort();
        else ctx.signal.addEventListener('abort', onAbort, { once: true });
      });
      gate.wake = undefined;
    }
    gate.credits -= 1;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
