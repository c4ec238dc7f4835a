// The runs both servers execute, written once so that corch and the baseline get the same events at the
// same pace. `emit(name, data)` appends one event (data without the envelope) and may return a promise.

/** The payload of the first event of an idle run (what a real run sends first, so sizes are realistic). */
export function taskStartedData(task) {
  return {
    task,
    context: {},
    pipeline: [
      { chunk_number: 1, stage: 'architect', agent: 'Architect', description: 'Plan the solution', model: 'simulated-1', iteration: 0 },
      { chunk_number: 2, stage: 'coder', agent: 'Coder', description: 'Write the code', model: 'simulated-1', iteration: 0 },
      { chunk_number: 3, stage: 'documenter', agent: 'Documenter', description: 'Document it', model: 'simulated-1', iteration: 0 },
    ],
    provider: 'simulated',
    model: 'simulated-1',
    simulated: true,
    notice: 'simulated — no model was called',
  };
}

/** The monotonic clock (ms, CLOCK_MONOTONIC) written into latency-probe tokens; comparable across processes. */
export function monoMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Marker put in a token_stream's `tokens` at append time; the load client finds every marker in an event. */
export const LATENCY_MARK = /\[t=(\d+\.\d+)\]/g;

/**
 * A steady stream: `count` token_stream events at `rate` per second (scheduled against the clock, not
 * chained timers, so the pace does not drift), each carrying the append time, then task_completed.
 */
export async function runTicker(emit, { rate, count, signal }) {
  const periodMs = 1000 / rate;
  const start = performance.now();
  for (let i = 0; i < count && !signal?.aborted; i++) {
    const wait = start + i * periodMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await emit('token_stream', { tokens: `[t=${monoMs().toFixed(3)}] `, agent: 'Coder', chunk_number: 1, stage: 'coder' });
  }
  await emit('task_completed', completedData('ticker', count));
}

/** A task_completed payload of realistic shape. */
export function completedData(result, outputTokens) {
  return {
    result,
    metrics: {
      total_chunks: 1, chunks_completed: 1, refine_rounds: 0, input_tokens: 0, output_tokens: outputTokens,
      tokens_per_second: 0, duration_ms: 0, cost: null,
    },
    outputs: { coder: result },
    usage: { input_tokens: 0, output_tokens: outputTokens },
    cost: null,
    duration_ms: 0,
  };
}

const strip = ({ stream_id: _s, seq: _q, timestamp: _t, ...rest }) => rest;

/**
 * Replays a recorded corch run (its stored events, in order) at full speed: consecutive token_stream events
 * go out up to `burst` per event-loop turn, as a fast model's deltas arrive; other events one per turn.
 */
export async function runReplay(emit, { events, burst }) {
  let inTurn = 0;
  for (const { event, data } of events) {
    if (event !== 'token_stream' || inTurn >= burst) {
      await new Promise((resolve) => setImmediate(resolve));
      inTurn = 0;
    }
    await emit(event, strip(data));
    inTurn = event === 'token_stream' ? inTurn + 1 : burst;
  }
}

/**
 * The same recorded run as a model without coalescing would stream it: every chunk's output split back into
 * one token_stream event per model token (`usage.output_tokens` of its chunk_completed), `burst` per turn.
 */
export function perTokenEvents(events) {
  const out = [];
  for (const { event, data } of events) {
    if (event === 'token_stream') continue;
    if (event === 'chunk_completed') {
      const text = data.output;
      const n = Math.max(1, data.usage?.output_tokens ?? 1);
      const size = Math.ceil(text.length / n);
      for (let i = 0; i < text.length; i += size) {
        out.push({ event: 'token_stream', data: { tokens: text.slice(i, i + size), agent: data.agent, chunk_number: data.chunk_number, stage: data.stage } });
      }
    }
    out.push({ event, data });
  }
  return out;
}

/**
 * A fast model at a steady pace: `bursts` times per second, `burst` deltas arrive in one event-loop turn,
 * each carrying its arrival time. `push(text)` takes one delta (the baseline appends one event per delta;
 * corch hands it to the orchestrator's coalescer); `flush()` is awaited before the terminal event.
 */
export async function runBurstTicker(push, flush, emit, { rate, count, burst, signal }) {
  const periodMs = 1000 / rate;
  const start = performance.now();
  for (let i = 0; i < count && !signal?.aborted; i++) {
    const wait = start + i * periodMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    for (let k = 0; k < burst; k++) push(`[t=${monoMs().toFixed(3)}] `);
  }
  await flush();
  await emit('task_completed', completedData('burst ticker', count * burst));
}

/**
 * A producer that never waits for anything but the event loop: `count` token_stream events of a typical
 * delta's size, `perTurn` per event-loop turn (as a fast model's deltas arrive, several per socket read),
 * then task_completed. With `awaitEach`, every emit's promise is awaited before the next (a Runner written
 * as `await ctx.emit(…)`); otherwise the run awaits only the last one.
 */
export async function runSaturated(emit, { count, perTurn, awaitEach }) {
  let last;
  for (let i = 0; i < count; i++) {
    if (i % perTurn === 0) await new Promise((resolve) => setImmediate(resolve));
    last = emit('token_stream', { tokens: ' token', agent: 'Coder', chunk_number: 1, stage: 'coder' });
    if (awaitEach) await last;
  }
  await last;
  await emit('task_completed', completedData('saturated', count));
}
