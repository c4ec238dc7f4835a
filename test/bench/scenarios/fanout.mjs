// Scenario 2 — fan-out: one run watched by N subscribers, in two parts.
//
// Goal row (both servers, same work): the events of a recorded corch run (orchestrator + simulated provider
// at full speed) replayed by the same code at the same pace (one event per event-loop turn) on both servers.
// corch appends them through its own StreamManager (`--mode replay` of the wrapper), so framing, ids,
// storage and fan-out are corch's, and both deliver exactly the same events and bytes. Measures events
// delivered per second (all subscribers together, from "go" to the last subscriber's terminal event) and
// checks that every subscriber received every seq of the recording, no more, no fewer.
//
// Informational row (corch only): corch's real pipeline (`--mode real`: orchestrator, simulated provider
// unthrottled, 8 deltas per turn) watched by the same N subscribers. The orchestrator's token coalescer has
// a 2 ms window, so how many token_stream events a run emits depends on timing (more when N subscribers load
// the machine); the figure is model tokens delivered per second, and the check is that every subscriber's
// seq runs from 1 to its terminal event without a gap, all subscribers with the same count.
import { monoMs } from '../lib/stats.mjs';
import { alternate, config, row, startLoadClient, startServer, withProcesses } from '../lib/harness.mjs';
import { recordRun, simulatedTask } from '../lib/recording.mjs';

/**
 * Runs the same task `reps` times back to back on one server (short runs are too quick to time alone).
 * `mode` is 'replay' (the recording, either server) or 'real' (corch's orchestrator). `serverArgs` go to the
 * server wrapper (the redis scenario gives corch a Redis store).
 */
export async function measureOnce(impl, mode, n, recording, { reviewRounds, reps, transport = 'sse', serverArgs = [] }) {
  return withProcesses(async (track) => {
    const args = [
      ...(mode === 'real' ? ['--mode', 'real'] : ['--mode', 'replay', '--recording', recording.file, '--burst', '1']),
      ...serverArgs,
    ];
    const server = track(await startServer(impl, args));
    const client = track(await startLoadClient());
    let events = 0;
    let tokens = 0;
    let ms = 0;
    let contiguous = true;
    let cpuMs = 0;
    let loopMax = 0;
    const errors = {};
    for (let rep = 0; rep < reps; rep++) {
      const { ids } = await client.call('create', { base: server.url, count: 1, body: simulatedTask(reviewRounds) });
      const sub = await client.call('subscribe', { base: server.url, ids: new Array(n).fill(ids[0]), concurrency: 256, transport });
      await server.call('window-start');
      const t0 = monoMs();
      await server.call('go');
      const done = await client.call('wait-done', { timeoutMs: 300_000 });
      const win = await server.call('window-end');
      events += done.events;
      tokens += n * (done.terminalData?.usage?.output_tokens ?? 0);
      ms += done.lastAt - t0;
      cpuMs += win.cpu_ms;
      loopMax = Math.max(loopMax, win.loop_max_ms);
      // done.contiguous: every subscriber saw seq 1 … its terminal event with no gap, all the same range.
      // Replay: that range is exactly the recording. Real: the count depends on timing (coalescing window),
      // so it only has to be the same for every subscriber, and the run must have completed.
      const complete =
        mode === 'replay'
          ? done.events === n * recording.events.length
          : done.events > 0 && done.events % n === 0 && done.terminalData?.usage !== undefined;
      contiguous &&= done.contiguous && sub.failed === 0 && !done.timedOut && complete;
      Object.assign(errors, done.errors);
      await client.call('close-all');
    }
    return {
      events_per_s: events / (ms / 1000),
      tokens_per_s: tokens / (ms / 1000),
      seconds: ms / 1000,
      events_per_sub: events / n / reps,
      contiguous,
      server_cpu_ms: cpuMs / reps,
      loop_max_ms: loopMax,
      errors,
    };
  });
}

/** A "runs in which every check passed" row; corch must pass in every run. */
function checkRow(n, metric, results) {
  const r = row('fanout', n, metric, '', { corch: [], baseline: [] }, 'x');
  r.corch = results.corch ? results.corch.filter((x) => x.contiguous).length : Number.NaN;
  r.baseline = results.baseline ? results.baseline.filter((x) => x.contiguous).length : Number.NaN;
  r.ratio = Number.NaN;
  r.goal = 'all runs';
  r.met = results.corch ? r.corch === results.corch.length : undefined;
  return r;
}

export async function fanoutScenario({ sizes, runs, reviewRounds, repsFor, log }) {
  const recording = await recordRun(reviewRounds);
  log(`fan-out: recorded corch run: ${recording.events.length} events, ${recording.outputTokens} output tokens`);
  const rows = [];
  const raw = {};
  for (const n of sizes) {
    const reps = repsFor(n);
    log(`fan-out: ${n} subscriber(s), replay of the recording on both servers, ${reps} run(s) back to back per measurement`);
    const replay = await alternate(runs, (impl) => measureOnce(impl, 'replay', n, recording, { reviewRounds, reps }), log);
    let real;
    if (config.impls.includes('corch')) {
      log(`fan-out: ${n} subscriber(s), corch's real pipeline (informational), ${reps} run(s) back to back per measurement`);
      real = { corch: [] };
      for (let run = 0; run < runs; run++) {
        const result = await measureOnce('corch', 'real', n, recording, { reviewRounds, reps });
        real.corch.push(result);
        log(`  run ${run + 1}/${runs} corch    real: events_per_sub=${+result.events_per_sub.toFixed(1)} tokens_per_s=${Math.round(result.tokens_per_s)} contiguous=${result.contiguous}`);
      }
    }
    let ws;
    if (config.impls.includes('corch') && n >= 100) {
      // corch over its WebSocket route against corch over SSE, alternating, same replay: the transports'
      // own cost side by side (the "baseline" column of these rows is corch over SSE).
      log(`fan-out: ${n} subscriber(s), replay over WebSocket vs over SSE (both corch), ${reps} run(s) back to back`);
      ws = { corch: [], baseline: [] };
      for (let run = 0; run < runs; run++) {
        const order = run % 2 === 0 ? ['ws', 'sse'] : ['sse', 'ws'];
        for (const transport of order) {
          const result = await measureOnce('corch', 'replay', n, recording, { reviewRounds, reps, transport });
          ws[transport === 'ws' ? 'corch' : 'baseline'].push(result);
          log(`  run ${run + 1}/${runs} corch ${transport.padEnd(3)}: events_per_s=${Math.round(result.events_per_s)} contiguous=${result.contiguous}`);
        }
      }
    }
    raw[n] = { replay, real, ws };
    const goal = n >= 100 ? { ratio: { min: 0.9 }, text: '≥ 0.9×' } : undefined;
    rows.push(row('fanout', n, 'replay: events delivered', '/s', replay, 'events_per_s', goal));
    rows.push(row('fanout', n, 'replay: events per subscriber', '', replay, 'events_per_sub'));
    rows.push(row('fanout', n, 'replay: server CPU per run', 'ms', replay, 'server_cpu_ms'));
    rows.push(checkRow(n, 'replay: every seq of the recording, none lost (runs)', replay));
    if (ws) {
      const wsGoal = { ratio: { min: 0.9 }, text: '≥ 0.9× SSE' };
      rows.push(row('fanout', n, 'replay: events delivered, corch WebSocket | corch SSE', '/s', ws, 'events_per_s', wsGoal));
      rows.push(row('fanout', n, 'replay: server CPU per run, corch WebSocket | corch SSE', 'ms', ws, 'server_cpu_ms'));
      rows.push(checkRow(n, 'replay over WebSocket | SSE: every seq, none lost (runs)', ws));
    }
    if (real) {
      rows.push(row('fanout', n, 'real pipeline: model tokens delivered', '/s', real, 'tokens_per_s'));
      rows.push(row('fanout', n, 'real pipeline: events per subscriber', '', real, 'events_per_sub'));
      rows.push(row('fanout', n, 'real pipeline: server CPU per run', 'ms', real, 'server_cpu_ms'));
      rows.push(checkRow(n, 'real pipeline: seq 1…terminal, same count for all (runs)', real));
    }
  }
  return { rows, raw };
}
