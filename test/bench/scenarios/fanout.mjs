// Scenario 2 — fan-out: one run at full speed (simulated provider, unthrottled, 8 deltas per turn) watched by
// N subscribers. corch runs its real orchestrator; the baseline replays the events of a recorded corch run,
// so both deliver the same events. Measures events delivered per second (all subscribers together, from
// "go" to the last subscriber's terminal event) and checks that every subscriber's seq is contiguous.
import { monoMs } from '../lib/stats.mjs';
import { alternate, row, startLoadClient, startServer, withProcesses } from '../lib/harness.mjs';
import { recordRun, simulatedTask } from '../lib/recording.mjs';

/** Runs the same task `reps` times back to back on one server (short runs are too quick to time alone). */
async function measureOnce(impl, n, recording, { reviewRounds, reps }) {
  return withProcesses(async (track) => {
    const args = impl === 'corch' ? ['--mode', 'real'] : ['--mode', 'replay', '--recording', recording.file, '--burst', '1'];
    const server = track(await startServer(impl, args));
    const client = track(await startLoadClient());
    let events = 0;
    let ms = 0;
    let contiguous = true;
    let cpuMs = 0;
    let loopMax = 0;
    const errors = {};
    for (let rep = 0; rep < reps; rep++) {
      const { ids } = await client.call('create', { base: server.url, count: 1, body: simulatedTask(reviewRounds) });
      const sub = await client.call('subscribe', { base: server.url, ids: new Array(n).fill(ids[0]), concurrency: 256 });
      await server.call('window-start');
      const t0 = monoMs();
      await server.call('go');
      const done = await client.call('wait-done', { timeoutMs: 300_000 });
      const win = await server.call('window-end');
      events += done.events;
      ms += done.lastAt - t0;
      cpuMs += win.cpu_ms;
      loopMax = Math.max(loopMax, win.loop_max_ms);
      contiguous &&= done.contiguous && sub.failed === 0 && !done.timedOut && done.events === n * recording.events.length;
      Object.assign(errors, done.errors);
      await client.call('close-all');
    }
    return {
      events_per_s: events / (ms / 1000),
      tokens_per_s: (reps * n * recording.outputTokens) / (ms / 1000),
      seconds: ms / 1000,
      events_per_sub: events / n / reps,
      contiguous,
      server_cpu_ms: cpuMs / reps,
      loop_max_ms: loopMax,
      errors,
    };
  });
}

export async function fanoutScenario({ sizes, runs, reviewRounds, repsFor, log }) {
  const recording = await recordRun(reviewRounds);
  log(`fan-out: recorded corch run: ${recording.events.length} events, ${recording.outputTokens} output tokens`);
  const rows = [];
  const raw = {};
  for (const n of sizes) {
    const reps = repsFor(n);
    log(`fan-out: ${n} subscriber(s), ${reps} run(s) back to back per measurement`);
    const results = await alternate(runs, (impl) => measureOnce(impl, n, recording, { reviewRounds, reps }), log);
    raw[n] = results;
    const goal = n >= 100 ? { ratio: { min: 0.9 }, text: '≥ 0.9×' } : undefined;
    rows.push(row('fanout', n, 'events delivered', '/s', results, 'events_per_s', goal));
    rows.push(row('fanout', n, 'model tokens delivered', '/s', results, 'tokens_per_s'));
    rows.push(row('fanout', n, 'events per subscriber', '', results, 'events_per_sub'));
    rows.push(row('fanout', n, 'server CPU per run', 'ms', results, 'server_cpu_ms'));
    const contiguous = row('fanout', n, 'seq contiguous, none lost (runs)', '', { corch: [], baseline: [] }, 'x');
    contiguous.corch = (results.corch ?? []).filter((r) => r.contiguous).length;
    contiguous.baseline = (results.baseline ?? []).filter((r) => r.contiguous).length;
    contiguous.ratio = Number.NaN;
    contiguous.goal = 'all runs';
    contiguous.met = contiguous.corch === (results.corch ?? []).length;
    rows.push(contiguous);
  }
  return { rows, raw };
}
