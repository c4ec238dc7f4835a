// Scenario 3 — latency: one stream at a steady 100 events/s watched by N subscribers. Each event carries the
// monotonic time at which the run appended it (same runner code in both servers); the load client
// subtracts it from the receipt time. p50/p99 over every (subscriber, event).
import { monoMs } from '../lib/stats.mjs';
import { alternate, row, startLoadClient, startServer, withProcesses } from '../lib/harness.mjs';

async function measureOnce(impl, n, { rate, count }) {
  return withProcesses(async (track) => {
    const server = track(await startServer(impl, ['--mode', 'ticker', '--rate', String(rate), '--count', String(count)]));
    const client = track(await startLoadClient());
    const { ids } = await client.call('create', { base: server.url, count: 1, body: { task: 'latency probe' } });
    const sub = await client.call('subscribe', { base: server.url, ids: new Array(n).fill(ids[0]), mode: 'latency' });
    await server.call('window-start');
    const t0 = monoMs();
    await server.call('go');
    const done = await client.call('wait-done', { timeoutMs: 120_000 + (count / rate) * 1000 });
    const win = await server.call('window-end');
    return {
      p50_ms: done.latency.p50,
      p99_ms: done.latency.p99,
      max_ms: done.latency.max,
      samples: done.latency.samples,
      seconds: (done.lastAt - t0) / 1000,
      contiguous: done.contiguous && sub.failed === 0 && !done.timedOut,
      server_cpu_ms: win.cpu_ms,
    };
  });
}

export async function latencyScenario({ sizes, runs, rate, count, log }) {
  const rows = [];
  const raw = {};
  for (const n of sizes) {
    log(`latency: ${n} subscriber(s), ${rate} events/s × ${count}`);
    const results = await alternate(runs, (impl) => measureOnce(impl, n, { rate, count }), log);
    raw[n] = results;
    rows.push(row('latency', n, 'append→receipt p50', 'ms', results, 'p50_ms'));
    rows.push(row('latency', n, 'append→receipt p99', 'ms', results, 'p99_ms', { ratio: { max: 1.25 }, text: '≤ 1.25×' }));
    rows.push(row('latency', n, 'server CPU per run', 'ms', results, 'server_cpu_ms'));
  }
  return { rows, raw };
}
