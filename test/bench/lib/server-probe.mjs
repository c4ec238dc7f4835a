// Measurements taken inside a server process (corch's or the baseline's), identically for both, and answered
// over IPC: memory after a forced GC, CPU time, and the event loop's longest block over a window.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { sleep } from './stats.mjs';

/** IPC handlers shared by both server wrappers. Servers are started with --expose-gc. */
export function probeHandlers() {
  let histogram;
  let cpuAtReset = process.cpuUsage();
  return {
    /** RSS and heap after two full GCs, so that garbage from earlier steps is not counted. */
    async memory() {
      for (let i = 0; i < 2; i++) {
        globalThis.gc?.();
        await sleep(50);
      }
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, gc: Boolean(globalThis.gc) };
    },
    /** Writes a heap snapshot (for finding what a stream costs); answers its path. */
    'heap-snapshot'({ file }) {
      globalThis.gc?.();
      return { file: writeHeapSnapshot(file) };
    },
    /** Starts a measurement window: event-loop delay histogram (1 ms resolution) and CPU time. */
    'window-start'() {
      histogram?.disable();
      histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      cpuAtReset = process.cpuUsage();
      return {};
    },
    /** Ends the window: the longest event-loop block seen (ms) and the CPU time used (ms). */
    'window-end'() {
      const cpu = process.cpuUsage(cpuAtReset);
      const result = { cpu_ms: (cpu.user + cpu.system) / 1000 };
      if (histogram) {
        histogram.disable();
        // The histogram records timer lateness beyond the 1 ms resolution; max is the longest block.
        result.loop_max_ms = histogram.max / 1e6;
        result.loop_p99_ms = histogram.percentile(99) / 1e6;
        result.loop_mean_ms = histogram.mean / 1e6;
        histogram = undefined;
      }
      return result;
    },
  };
}
