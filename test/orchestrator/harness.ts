import type { EventDataMap, EventEnvelope, EventInput, StoredEventName } from '../../src/protocol/events.js';
import { CorchError } from '../../src/protocol/errors.js';
import type { TaskRequest } from '../../src/protocol/task-request.js';
import { createRunner, type RunnerOptions } from '../../src/orchestrator/index.js';
import type { LlmProvider } from '../../src/providers/types.js';
import type { RunContext } from '../../src/streams/run-function.js';

/** The events a run emitted, and a handle to cancel it like the StreamManager does. */
export interface Harness {
  ctx: RunContext;
  events: EventInput[];
  cancel(): void;
}

/**
 * A run context whose emit collects events; like the StreamManager, it ignores emits once the run was
 * cancelled, and `onEmit` lets a test act at a given event.
 */
export function harness(request: TaskRequest, onEmit?: (event: EventInput, h: Harness) => void): Harness {
  const controller = new AbortController();
  const events: EventInput[] = [];
  const h: Harness = {
    events,
    cancel: () => controller.abort(new CorchError('E_CANCELLED', 'The run was cancelled.')),
    ctx: {
      streamId: 's1',
      request,
      signal: controller.signal,
      emit: async (event) => {
        if (controller.signal.aborted) return;
        events.push(event);
        onEmit?.(event, h);
      },
    },
  };
  return h;
}

/** A runner that always uses `provider`. */
export function runnerWith(provider: LlmProvider, options: Partial<RunnerOptions> = {}) {
  return createRunner({
    env: {},
    resolveProvider: async () => ({ provider, reason: 'picked by the test' }),
    ...options,
  });
}

/** Runs to the end and returns the events and the error the run threw (if any). */
export async function runToEnd(
  provider: LlmProvider,
  request: TaskRequest,
  options: Partial<RunnerOptions> = {},
  onEmit?: (event: EventInput, h: Harness) => void,
): Promise<{ events: EventInput[]; error: unknown }> {
  const h = harness(request, onEmit);
  const runner = runnerWith(provider, options);
  let error: unknown;
  try {
    await runner.run(h.ctx);
  } catch (e) {
    error = e;
  }
  return { events: h.events, error };
}

/** The events as short strings (`chunk_started:coder#0`), token_stream runs collapsed to one entry. */
export function outline(events: readonly EventInput[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    let line: string;
    switch (e.event) {
      case 'chunk_started':
      case 'chunk_completed':
        line = `${e.event}:${e.data.stage}#${e.data.iteration}`;
        break;
      case 'task_progress':
        line = `task_progress:${e.data.reason}:${e.data.total_chunks}`;
        break;
      default:
        line = e.event;
    }
    if (line === 'token_stream' && out[out.length - 1] === 'token_stream') continue;
    out.push(line);
  }
  return out;
}

/** Events of one kind, typed. */
export function ofType<K extends StoredEventName>(
  events: readonly EventInput[],
  name: K,
): Omit<EventDataMap[K], keyof EventEnvelope>[] {
  return events.filter((e) => e.event === name).map((e) => e.data as Omit<EventDataMap[K], keyof EventEnvelope>);
}

/** Checks that each chunk's token_stream texts join to its chunk_completed output. */
export function tokensByChunk(events: readonly EventInput[]): Map<number, string> {
  const joined = new Map<number, string>();
  for (const t of ofType(events, 'token_stream')) joined.set(t.chunk_number, (joined.get(t.chunk_number) ?? '') + t.tokens);
  return joined;
}
