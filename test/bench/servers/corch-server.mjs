#!/usr/bin/env node
// corch's server, as `corch serve` runs it (startServer from src/server), wrapped for the bench: the runner
// is chosen by --mode, runs wait for the harness's "go" (so every subscriber is connected first), and the
// probe answers memory / event-loop / CPU questions over IPC. Nothing here changes how the server works.
//
// Modes: idle (task_started, then wait until cancelled), ticker (latency probe, same code as the baseline's),
// burst-ticker (a fast model's bursts through the orchestrator's TokenCoalescer), real (createRunner: the
// real orchestrator; requests pick the simulated provider), replay (the events of a recorded corch run,
// emitted by the same code and at the same pace as the baseline's replay mode, so both servers deliver the
// same events; they are appended through corch's own StreamManager: framing, ids, storage and fan-out are
// the server's).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { notify, serveIpc } from '../lib/ipc.mjs';
import { BENCH_DIST } from '../lib/build-src.mjs';
import { probeHandlers } from '../lib/server-probe.mjs';
import { runBurstTicker, runReplay, runSaturated, runTicker, taskStartedData } from '../lib/workloads.mjs';

const { values: opts } = parseArgs({
  options: {
    mode: { type: 'string', default: 'idle' },
    heartbeat: { type: 'string', default: '15' },
    max: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '100' },
    count: { type: 'string', default: '300' },
    burst: { type: 'string', default: '8' },
    recording: { type: 'string' },
    // saturated: await each emit's promise before the next.
    await: { type: 'boolean', default: false },
    // Runs start at once (scenario 5: the CLI creates its own stream).
    'no-gate': { type: 'boolean', default: false },
    // A Redis store (the redis scenario): several of these processes then share their runs.
    store: { type: 'string' },
    'key-prefix': { type: 'string', default: 'corch' },
  },
});

const load = (rel) => import(pathToFileURL(path.join(BENCH_DIST, rel)).href);
const { startServer } = await load('src/server/index.js');

// Runs wait for the harness's "go", so that every subscriber is connected first. Each "go" releases the
// runs created so far; runs created later wait for the next one.
const newGate = () => {
  let release;
  const promise = new Promise((resolve) => {
    release = resolve;
  });
  return { promise, release };
};
let gate = newGate();
const releaseGate = () => {
  const released = gate;
  gate = newGate();
  released.release();
};
/** Called first thing in a run, so the run waits for the "go" that follows its creation. */
const waitForGo = () => (opts['no-gate'] ? Promise.resolve() : gate.promise);
const emitter = (ctx) => (event, data) => ctx.emit({ event, data });

/** @type {import('../../../src/streams/run-function.ts').Runner} */
let runner;
if (opts.mode === 'idle') {
  runner = {
    async run(ctx) {
      await ctx.emit({ event: 'task_started', data: taskStartedData('idle') });
      if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    },
  };
} else if (opts.mode === 'ticker') {
  runner = {
    async run(ctx) {
      await waitForGo();
      await runTicker(emitter(ctx), { rate: Number(opts.rate), count: Number(opts.count), signal: ctx.signal });
    },
  };
} else if (opts.mode === 'burst-ticker') {
  // The orchestrator's own coalescer between the deltas and the log, as in a real stage.
  const { TokenCoalescer } = await load('src/orchestrator/token-coalescer.js');
  runner = {
    async run(ctx) {
      await waitForGo();
      const coalescer = new TokenCoalescer((tokens) =>
        ctx.emit({ event: 'token_stream', data: { tokens, agent: 'Coder', chunk_number: 1, stage: 'coder' } }),
      );
      await runBurstTicker((text) => coalescer.push(text), () => coalescer.flush(), emitter(ctx), {
        rate: Number(opts.rate), count: Number(opts.count), burst: Number(opts.burst), signal: ctx.signal,
      });
    },
  };
} else if (opts.mode === 'replay') {
  if (!opts.recording) throw new Error('--mode replay needs --recording FILE');
  const events = JSON.parse(readFileSync(opts.recording, 'utf8'));
  runner = {
    async run(ctx) {
      await waitForGo();
      await runReplay(emitter(ctx), { events, burst: Number(opts.burst) });
    },
  };
} else if (opts.mode === 'saturated') {
  runner = {
    async run(ctx) {
      await waitForGo();
      await runSaturated(emitter(ctx), { count: Number(opts.count), perTurn: Number(opts.burst), awaitEach: opts.await });
    },
  };
} else if (opts.mode === 'real') {
  const { createRunner } = await load('src/orchestrator/index.js');
  const { createSimulatedProvider } = await load('src/providers/simulated.js');
  // Bench requests always name the simulated provider; resolve it directly (no key, no network probe).
  const resolveProvider = async ({ name, providerOptions }) => {
    if (name !== 'simulated') throw new Error(`the bench runs the simulated provider only, got ${name}`);
    return { provider: createSimulatedProvider(providerOptions), reason: 'requested' };
  };
  const real = createRunner({ env: {}, resolveProvider });
  runner = {
    prepare: real.prepare ? (request) => real.prepare(request) : undefined,
    async run(ctx) {
      await waitForGo();
      notify('run-start', { at: Number(process.hrtime.bigint()) / 1e6 });
      try {
        await real.run(ctx);
      } finally {
        notify('run-end', { at: Number(process.hrtime.bigint()) / 1e6 });
      }
    },
  };
  if (!runner.prepare) delete runner.prepare;
} else {
  throw new Error(`unknown mode ${opts.mode}`);
}

let shared;
if (opts.store) {
  const { parseStoreUrl } = await load('src/streams/store-url.js');
  const { RedisStreamStore } = await load('src/streams/redis-stream-store.js');
  const { RedisRunCoordinator } = await load('src/streams/redis-run-coordinator.js');
  const store = await RedisStreamStore.connect(parseStoreUrl(opts.store), { keyPrefix: opts['key-prefix'] });
  shared = { store, coordinator: new RedisRunCoordinator(store) };
}

const max = Number(opts.max);
const server = await startServer({
  ...(shared ?? {}),
  host: '127.0.0.1',
  port: 0,
  runner,
  heartbeatSeconds: Number(opts.heartbeat),
  maxStreams: max,
  maxConnections: max,
  // Every benchmark client connects from 127.0.0.1.
  maxConnectionsPerPeer: max + 64,
});

serveIpc({
  ...probeHandlers(),
  go() {
    releaseGate();
    return {};
  },
});
process.on('SIGTERM', () => {
  // Exit even if close() hangs on open streams; under --cpu-prof, process.exit writes the profile.
  setTimeout(() => process.exit(0), 2000).unref();
  Promise.resolve(server.close()).finally(() => process.exit(0));
});
notify('listening', { url: server.url.replace(/\/$/, ''), pid: process.pid });
