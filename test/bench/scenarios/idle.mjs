// Scenario 1 — idle subscribers: N streams, each with one subscriber, held open doing nothing.
// Measures the server's RSS per stream (delta after forced GC), how fast streams are created and
// subscribed, the longest event-loop block while heartbeat rounds go out, and whether /healthz answers.
import { monoMs, sleep } from '../lib/stats.mjs';
import { alternate, row, startLoadClient, startServer, withProcesses } from '../lib/harness.mjs';

const WARMUP_STREAMS = 50;
const CREATE_BODY = { task: 'idle stream' };

async function healthz(url) {
  const t0 = monoMs();
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
    await res.text();
    return { ok: res.status === 200, ms: monoMs() - t0 };
  } catch {
    return { ok: false, ms: monoMs() - t0 };
  }
}

/** One measurement of one implementation holding `n` idle streams. */
async function measureOnce(impl, n, { heartbeatSeconds }) {
  return withProcesses(async (track) => {
    const server = track(await startServer(impl, ['--mode', 'idle', '--heartbeat', String(heartbeatSeconds), '--max', String(n + 2 * WARMUP_STREAMS)]));
    const client = track(await startLoadClient());
    // Warm up the code paths (JIT, buffers) before the memory baseline is taken.
    const warm = await client.call('create', { base: server.url, count: WARMUP_STREAMS, body: CREATE_BODY });
    await client.call('subscribe', { base: server.url, ids: warm.ids });
    await client.call('close-all');
    await sleep(200);
    const before = await server.call('memory');

    const created = await client.call('create', { base: server.url, count: n, body: CREATE_BODY, concurrency: 64 });
    const subscribed = await client.call('subscribe', { base: server.url, ids: created.ids, concurrency: 256 });
    await sleep(300);
    const after = await server.call('memory');

    // Heartbeat rounds: watch the event loop over 2.5 intervals (at least two rounds go out).
    await server.call('window-start');
    const hb0 = (await client.call('summary')).heartbeats;
    await sleep(heartbeatSeconds * 2500);
    const loop = await server.call('window-end');
    const summary = await client.call('summary');
    const health = await healthz(server.url);
    return {
      rss_per_stream_kb: (after.rss - before.rss) / n / 1024,
      heap_per_stream_kb: (after.heapUsed - before.heapUsed) / n / 1024,
      create_per_s: n / (created.ms / 1000),
      connect_per_s: n / (subscribed.ms / 1000),
      loop_max_ms: loop.loop_max_ms,
      heartbeats_per_sub: (summary.heartbeats - hb0) / n,
      open: summary.open,
      failed: subscribed.failed,
      healthz_ok: health.ok,
      healthz_ms: health.ms,
      errors: subscribed.errors,
    };
  });
}

export async function idleScenario({ sizes, runs, heartbeatSeconds, log }) {
  const rows = [];
  const raw = {};
  for (const n of sizes) {
    log(`idle: ${n} streams, heartbeat every ${heartbeatSeconds} s`);
    const results = await alternate(runs, (impl) => measureOnce(impl, n, { heartbeatSeconds }), log);
    raw[n] = results;
    rows.push(row('idle', n, 'RSS per stream', 'KiB', results, 'rss_per_stream_kb', { ratio: { max: 1.2 }, text: '≤ 1.2×' }));
    rows.push(row('idle', n, 'heap per stream', 'KiB', results, 'heap_per_stream_kb'));
    rows.push(row('idle', n, 'subscribe rate', '/s', results, 'connect_per_s'));
    rows.push(row('idle', n, 'create rate', '/s', results, 'create_per_s'));
    rows.push(row('idle', n, 'heartbeat round: max loop block', 'ms', results, 'loop_max_ms'));
    rows.push(row('idle', n, 'heartbeats per subscriber', '', results, 'heartbeats_per_sub'));
    const held = (results.corch ?? []).map((r) => (r.open === n && r.healthz_ok ? 1 : 0));
    const heldRow = row('idle', n, 'streams held + /healthz ok (runs)', '', { corch: [], baseline: [] }, 'x');
    heldRow.corch = held.reduce((a, b) => a + b, 0);
    heldRow.baseline = (results.baseline ?? []).filter((r) => r.open === n && r.healthz_ok).length;
    heldRow.ratio = Number.NaN;
    if (n >= 10_000) {
      heldRow.goal = 'all runs';
      heldRow.met = heldRow.corch === held.length;
    }
    rows.push(heldRow);
    rows.push(row('idle', n, '/healthz answer', 'ms', results, 'healthz_ms'));
  }
  return { rows, raw };
}
