// Scenario 4 — one stream, one subscriber, a fast model whose deltas arrive 8 per event-loop turn.
// Throughput: corch's real orchestrator (which coalesces the deltas of one turn into one event) against the
// baseline writing one SSE event per model token (the same recorded run split back into its tokens).
// Latency: bursts at a steady pace through corch's TokenCoalescer vs one event per token; each delta carries
// its arrival time, so the coalescing delay is included.
import { monoMs } from '../lib/stats.mjs';
import { alternate, row, startLoadClient, startServer, withProcesses } from '../lib/harness.mjs';
import { recordRun, simulatedTask } from '../lib/recording.mjs';

async function throughputOnce(impl, recording, { reviewRounds, reps }) {
  return withProcesses(async (track) => {
    const args = impl === 'corch' ? ['--mode', 'real'] : ['--mode', 'per-token', '--recording', recording.file, '--burst', '8'];
    const server = track(await startServer(impl, args));
    const client = track(await startLoadClient());
    let ms = 0;
    let events = 0;
    let cpuMs = 0;
    let contiguous = true;
    // One run takes tens of milliseconds: time several back to back.
    for (let rep = 0; rep < reps; rep++) {
      const { ids } = await client.call('create', { base: server.url, count: 1, body: simulatedTask(reviewRounds) });
      await client.call('subscribe', { base: server.url, ids });
      await server.call('window-start');
      const t0 = monoMs();
      await server.call('go');
      const done = await client.call('wait-done', { timeoutMs: 120_000 });
      const win = await server.call('window-end');
      ms += done.lastAt - t0;
      events += done.events;
      cpuMs += win.cpu_ms;
      contiguous &&= done.contiguous && !done.timedOut;
      await client.call('close-all');
    }
    return {
      tokens_per_s: (reps * recording.outputTokens) / (ms / 1000),
      events: events / reps,
      seconds: ms / 1000,
      contiguous,
      server_cpu_ms: cpuMs / reps,
    };
  });
}

async function latencyOnce(impl, { rate, count }) {
  return withProcesses(async (track) => {
    const server = track(await startServer(impl, ['--mode', 'burst-ticker', '--rate', String(rate), '--count', String(count), '--burst', '8']));
    const client = track(await startLoadClient());
    const { ids } = await client.call('create', { base: server.url, count: 1, body: { task: 'burst latency probe' } });
    await client.call('subscribe', { base: server.url, ids, mode: 'latency' });
    await server.call('go');
    const done = await client.call('wait-done', { timeoutMs: 120_000 });
    return { p50_ms: done.latency.p50, p99_ms: done.latency.p99, samples: done.latency.samples, events: done.events, contiguous: done.contiguous };
  });
}

export async function burstScenario({ runs, reviewRounds, reps, rate, count, log }) {
  const recording = await recordRun(reviewRounds);
  log(`burst: ${recording.outputTokens} model tokens, 8 deltas per turn, one subscriber, ${reps} runs back to back`);
  const tput = await alternate(runs, (impl) => throughputOnce(impl, recording, { reviewRounds, reps }), log);
  log(`burst latency: ${rate} bursts/s of 8 deltas × ${count}`);
  const lat = await alternate(runs, (impl) => latencyOnce(impl, { rate, count }), log);
  const rows = [
    row('burst', 1, 'model tokens end to end', '/s', tput, 'tokens_per_s', { ratio: { min: 2 }, text: '≥ 2×' }),
    row('burst', 1, 'events on the wire', '', tput, 'events'),
    row('burst', 1, 'server CPU per run', 'ms', tput, 'server_cpu_ms'),
    row('burst', 1, 'delta→receipt p50', 'ms', lat, 'p50_ms'),
    row('burst', 1, 'delta→receipt p99', 'ms', lat, 'p99_ms', { diff: { max: 1 }, text: '≤ +1 ms' }),
  ];
  return { rows, raw: { throughput: tput, latency: lat } };
}
