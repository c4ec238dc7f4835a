// A real corch run (orchestrator + simulated provider at full speed) recorded once by one subscriber. The
// baseline replays these exact events, so both servers fan out the same bytes.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './build-src.mjs';
import { startLoadClient, startServer, withProcesses, writeJson } from './harness.mjs';

/** The task request both scenarios send to corch: the simulated provider, unthrottled, bursty. */
export function simulatedTask(reviewRounds) {
  return {
    task: 'Write a function that parses CSV lines into records',
    provider: 'simulated',
    provider_options: { tokens_per_second: 0, burst: 8, review_rounds: reviewRounds },
  };
}

const cache = new Map();

/** Records one run; returns {file, events, outputTokens}. Cached per review-round count. */
export async function recordRun(reviewRounds) {
  if (cache.has(reviewRounds)) return cache.get(reviewRounds);
  const result = await withProcesses(async (track) => {
    const server = track(await startServer('corch', ['--mode', 'real']));
    const client = track(await startLoadClient());
    const { ids } = await client.call('create', { base: server.url, count: 1, body: simulatedTask(reviewRounds) });
    await client.call('subscribe', { base: server.url, ids, record: true });
    await server.call('go');
    const done = await client.call('wait-done', { timeoutMs: 120_000 });
    if (!done.contiguous || done.terminalData?.usage === undefined) {
      throw new Error(`recording a corch run failed: ${JSON.stringify({ ...done, recorded: undefined })}`);
    }
    const dir = path.join(ROOT, '.tmp', 'bench');
    mkdirSync(dir, { recursive: true });
    const file = writeJson(path.join(dir, `recording-r${reviewRounds}-${process.pid}.json`), done.recorded);
    return { file, events: done.recorded, outputTokens: done.terminalData.usage.output_tokens };
  });
  cache.set(reviewRounds, result);
  return result;
}
