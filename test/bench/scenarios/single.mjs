// Scenario 6 — one stream, one subscriber, a producer appending as fast as it can: the cost of an append.
//
// Many runs with one watcher each is the common production shape, and there what bounds throughput is the
// CPU each event costs before any socket write (numbering, timestamp, JSON, state, the store's append).
// Both servers run the same producer (`runSaturated` in lib/workloads.mjs: `--count` token_stream events of
// a typical delta's size, `--burst` per event-loop turn, then task_completed). corch runs it twice: firing
// emits without awaiting them, and awaiting each emit's promise (a Runner written as `await ctx.emit(…)`).
// Figures: events delivered per second (go → last event received) and server CPU per event (the whole
// server process over the run, socket writes included), corch ÷ baseline; and awaited ÷ fired for corch.
// Then the append alone: the same producer in one process with no network (servers/append-cost.mjs), CPU
// per appended event before any socket write, corch (fired and awaited) against a bare producer.
import { monoMs } from '../lib/stats.mjs';
import { config, row, startAppendProbe, startLoadClient, startServer, withProcesses } from '../lib/harness.mjs';

async function measureOnce(impl, { count, burst, awaitEach, reps }) {
  return withProcesses(async (track) => {
    const args = ['--mode', 'saturated', '--count', String(count), '--burst', String(burst)];
    if (awaitEach) args.push('--await');
    const server = track(await startServer(impl, args));
    const client = track(await startLoadClient());
    let ms = 0;
    let events = 0;
    let cpuMs = 0;
    let contiguous = true;
    for (let rep = 0; rep < reps; rep++) {
      const { ids } = await client.call('create', { base: server.url, count: 1, body: { task: 'saturated producer' } });
      await client.call('subscribe', { base: server.url, ids });
      await server.call('window-start');
      const t0 = monoMs();
      await server.call('go');
      const done = await client.call('wait-done', { timeoutMs: 120_000 });
      const win = await server.call('window-end');
      ms += done.lastAt - t0;
      events += done.events;
      cpuMs += win.cpu_ms;
      contiguous &&= done.contiguous && !done.timedOut && done.events === count + 1;
      await client.call('close-all');
    }
    return {
      events_per_s: events / (ms / 1000),
      cpu_us_per_event: (cpuMs * 1000) / events,
      seconds: ms / 1000,
      contiguous,
    };
  });
}

export async function singleScenario({ runs, count, bursts, reps, log }) {
  const rows = [];
  const raw = {};
  for (const burst of bursts) {
    log(`single: one subscriber, ${count} events, ${burst} per turn, ${reps} run(s) back to back; corch fired, corch awaited, baseline`);
    const results = { corch: [], awaited: [], baseline: [] };
    const variants = [
      ['corch', 'corch', false],
      ['awaited', 'corch', true],
      ['baseline', 'baseline', false],
    ].filter(([, impl]) => config.impls.includes(impl));
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? variants : [...variants].reverse();
      for (const [name, impl, awaitEach] of order) {
        const result = await measureOnce(impl, { count, burst, awaitEach, reps });
        results[name].push(result);
        log(`  run ${run + 1}/${runs} ${name.padEnd(8)} events_per_s=${Math.round(result.events_per_s)} cpu_us_per_event=${result.cpu_us_per_event.toFixed(2)} contiguous=${result.contiguous}`);
      }
    }
    raw[burst] = results;
    const size = `1 (${burst}/turn)`;
    rows.push(row('single', size, 'events delivered', '/s', results, 'events_per_s', burst > 1 ? { ratio: { min: 0.8 }, text: '≥ 0.8×' } : undefined));
    rows.push(row('single', size, 'server CPU per event', 'µs', results, 'cpu_us_per_event', burst > 1 ? { ratio: { max: 1.5 }, text: '≤ 1.5×' } : undefined));
    const awaited = { corch: results.awaited, baseline: results.corch };
    rows.push(row('single', size, 'events/s, corch awaiting each emit | corch not awaiting', '/s', awaited, 'events_per_s', { ratio: { min: 0.9 }, text: '≥ 0.9× (≤ 10% cost)' }));
    const check = row('single', size, 'every event, in order (runs)', '', { corch: [], baseline: [] }, 'x');
    check.corch = [...results.corch, ...results.awaited].filter((r) => r.contiguous).length;
    check.baseline = results.baseline.filter((r) => r.contiguous).length;
    check.ratio = Number.NaN;
    check.goal = 'all runs';
    check.met = check.corch === results.corch.length + results.awaited.length;
    rows.push(check);

    const append = { corch: [], awaited: [], baseline: [] };
    await withProcesses(async (track) => {
      const probe = track(await startAppendProbe());
      // One unrecorded round of every variant first: the first code to run in a process pays the JIT.
      for (const [, impl, awaitEach] of variants) await probe.call('measure', { impl, count: count * 5, perTurn: burst, awaitEach });
      for (let run = 0; run < runs; run++) {
        for (const [name, impl, awaitEach] of run % 2 === 0 ? variants : [...variants].reverse()) {
          const result = await probe.call('measure', { impl, count: count * 5, perTurn: burst, awaitEach });
          append[name].push(result);
          log(`  append run ${run + 1}/${runs} ${name.padEnd(8)} us_per_event=${result.us.toFixed(2)}`);
        }
      }
    });
    raw[`append-${burst}`] = append;
    rows.push(row('single', size, 'append alone, no socket: CPU per event', 'µs', append, 'us', { ratio: { max: 1.5 }, text: '≤ 1.5×' }));
    rows.push(row('single', size, 'append alone: corch awaiting each emit | bare producer', 'µs', { corch: append.awaited, baseline: append.baseline }, 'us'));
  }
  return { rows, raw };
}
