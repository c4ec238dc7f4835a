#!/usr/bin/env node
// The pipeline's own CPU per token: `node pipeline-cpu.mjs --candidates N --runs R` runs R whole runs of
// the real orchestrator (createRunner, the simulated provider unthrottled, so no time goes to waiting)
// through corch's StreamManager into the memory store, with the Coder as N parallel candidates (1 = an
// ordinary run), and prints one JSON line: CPU ms, output tokens and token_stream events over the runs.
// Warm-up runs come first so JIT compilation is not counted. The stage cache is off (it is not given).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_DIST } from '../lib/build-src.mjs';

const { values: opts } = parseArgs({
  options: { candidates: { type: 'string', default: '1' }, runs: { type: 'string', default: '20' }, warmup: { type: 'string', default: '5' } },
});
const load = (rel) => import(pathToFileURL(path.join(BENCH_DIST, rel)).href);
const [{ createRunner }, { StreamManager }] = await Promise.all([load('src/orchestrator/index.js'), load('src/streams/index.js')]);

const candidates = Number(opts.candidates);
const request = {
  task: 'Write a rate limiter for an HTTP API',
  provider: 'simulated',
  provider_options: { tokens_per_second: 0, review_rounds: 1 },
  ...(candidates > 1 ? { stages: { coder: { candidates } } } : {}),
};
const manager = new StreamManager({ runner: createRunner({ env: {} }), maxStreams: 1000 });

async function oneRun() {
  const state = await manager.create(request);
  await manager.whenSettled(state.stream_id);
  const entries = await manager.store.read(state.stream_id, 0, 100_000);
  let tokens = 0;
  let events = 0;
  let status = 'none';
  for (const entry of entries) {
    const event = entry.name;
    if (event === 'token_stream') events++;
    if (event === 'task_completed') {
      const data = JSON.parse(entry.json);
      tokens = data.usage.output_tokens;
      status = 'completed';
    }
    if (event === 'task_error') status = 'error';
  }
  return { tokens, events, status };
}

for (let i = 0; i < Number(opts.warmup); i++) await oneRun();
const before = process.cpuUsage();
let tokens = 0;
let events = 0;
let completed = 0;
for (let i = 0; i < Number(opts.runs); i++) {
  const r = await oneRun();
  tokens += r.tokens;
  events += r.events;
  if (r.status === 'completed') completed++;
}
const cpu = process.cpuUsage(before);
process.stdout.write(`${JSON.stringify({ candidates, runs: Number(opts.runs), completed, cpu_ms: (cpu.user + cpu.system) / 1000, tokens, events })}\n`);
process.exit(0);
