#!/usr/bin/env node
// The CPU an appended event costs before any socket write, in one process with no network: corch's
// StreamManager (memory store, one subscriber taking each batch's joined frames, as a caught-up SSE
// connection does) against a bare producer (envelope, timestamp, JSON, frame, log push, handing the frame
// to its one subscriber), both driven by the same producer loop as the `single` scenario. Started by the
// harness with an IPC channel; `measure` answers µs of CPU per event.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIST } from '../lib/build-src.mjs';
import { notify, serveIpc } from '../lib/ipc.mjs';
import { runSaturated } from '../lib/workloads.mjs';

const { StreamManager } = await import(pathToFileURL(path.join(BENCH_DIST, 'src/streams/index.js')).href);

async function corch({ count, perTurn, awaitEach }) {
  let done;
  const finished = new Promise((resolve) => {
    done = resolve;
  });
  let bytes = 0;
  const runner = {
    async run(ctx) {
      await runSaturated((event, data) => ctx.emit({ event, data }), { count, perTurn, awaitEach });
    },
  };
  const manager = new StreamManager({ runner });
  const cpu = process.cpuUsage();
  const { stream_id } = await manager.create({ task: 'append cost' });
  manager.store.subscribe(stream_id, {
    onEntries(batch) {
      bytes += batch.frames?.length ?? 0;
      if (batch.terminal) done();
    },
    onGone() {},
  });
  await finished;
  const used = process.cpuUsage(cpu);
  return { us: (used.user + used.system) / (count + 1), bytes };
}

async function bare({ count, perTurn }) {
  const log = [];
  let bytes = 0;
  const subscriber = (frame) => {
    bytes += frame.length;
  };
  const streamId = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
  const append = (name, fields) => {
    const seq = log.length + 1;
    const data = { stream_id: streamId, seq, timestamp: new Date().toISOString(), ...fields };
    const frame = `id: ${seq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    log.push(frame);
    subscriber(frame);
  };
  const cpu = process.cpuUsage();
  await runSaturated(append, { count, perTurn, awaitEach: false });
  const used = process.cpuUsage(cpu);
  return { us: (used.user + used.system) / (count + 1), bytes };
}

serveIpc({
  async measure({ impl, count, perTurn, awaitEach }) {
    globalThis.gc?.();
    return (impl === 'baseline' ? bare : corch)({ count, perTurn, awaitEach });
  },
});
notify('ready');
