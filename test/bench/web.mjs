// npm run bench:web — the web page's budgets, measured in headless Chromium against a real `corch serve`
// server (dist/, built first when missing or stale):
//   1. size: JS + CSS of the page, gzipped (budget 60 kB);
//   2. open: a finished run of 2,000 events opened in a fresh tab, from navigation to fully drawn (budget 300 ms);
//   3. stream: 500 tokens/s for 60 s — longest task (budget: none over 50 ms) and the JS heap after GC over time
//      (budget: bounded).
// Options: --seconds N (length of the stream, default 60), --rate N (tokens per second, default 500).
// Prints a table and one JSON line; exits 1 when a budget is missed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const ROOT = new URL('../..', import.meta.url).pathname;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const STREAM_SECONDS = option('seconds', 60);
const RATE = option('rate', 500);
const OPEN_EVENTS = 2000;
const CHROMIUM = process.env.CORCH_TEST_CHROMIUM ?? '/usr/bin/chromium';
const BUDGET = { gzipKb: 60, openMs: 300, longTaskMs: 50 };

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}
const ASSETS_MODULE = join(ROOT, 'dist/web-assets.mjs');
if (!existsSync(ASSETS_MODULE) || statSync(ASSETS_MODULE).mtimeMs < newest(join(ROOT, 'src'))) {
  console.error('bench:web: building dist/ (npm run build)…');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}
const { startServer } = await import(join(ROOT, 'dist/index.mjs'));
const { webAssets } = await import(ASSETS_MODULE);

// 1. Size.
let gzipBytes = 0;
let rawBytes = 0;
for (const [path, asset] of Object.entries(webAssets)) {
  if (!/\.(js|css)$/.test(path)) continue;
  rawBytes += Buffer.byteLength(asset.body);
  gzipBytes += gzipSync(asset.body, { level: 9 }).length;
}

/** A run written by the bench itself: the stages of a real one, with `tokensPerStage` one-token deltas each. */
function scriptedRun(tokensPerStage, paceTokensPerSecond) {
  const stages = [
    ['architect', 'Architect'],
    ['coder', 'Coder'],
    ['reviewer', 'Reviewer'],
    ['refiner', 'Refiner'],
    ['documenter', 'Documenter'],
  ];
  const word = (i) => (i % 12 === 11 ? '\n' : i % 40 === 39 ? '\n\n```ts\nconst x = 1;\n```\n\n' : `word${i % 97} `);
  return {
    async run(ctx) {
      const pipeline = stages.map(([stage, agent], i) => ({ chunk_number: i + 1, stage, agent, description: `${agent} stage`, model: 'bench', iteration: 0 }));
      await ctx.emit({ event: 'task_started', data: { task: 'bench run', context: {}, pipeline, provider: 'bench', model: 'bench', simulated: true } });
      const started = performance.now();
      let sent = 0;
      const outputs = {};
      for (const [index, [stage, agent]] of stages.entries()) {
        const chunk = index + 1;
        await ctx.emit({ event: 'chunk_started', data: { chunk_number: chunk, agent, stage, description: `${agent} stage`, total_chunks: stages.length, iteration: 0, model: 'bench' } });
        let output = '';
        for (let i = 0; i < tokensPerStage; i++) {
          if (ctx.signal.aborted) return;
          if (paceTokensPerSecond > 0) {
            const due = started + (sent * 1000) / paceTokensPerSecond;
            const wait = due - performance.now();
            if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
          }
          const tokens = word(i);
          output += tokens;
          sent += 1;
          await ctx.emit({ event: 'token_stream', data: { tokens, agent, chunk_number: chunk, stage } });
        }
        outputs[stage] = stage === 'reviewer' ? '```json\n{"issues_found": true, "critical_issues": ["a"], "suggestions": ["b"], "code_quality_score": 7}\n```' : output;
        await ctx.emit({
          event: 'chunk_completed',
          data: { chunk_number: chunk, agent, output: outputs[stage], stage, usage: { input_tokens: 100, output_tokens: tokensPerStage }, cost: 0, duration_ms: 1, iteration: 0 },
        });
      }
      await ctx.emit({
        event: 'task_completed',
        data: {
          result: `# Result\n\n\`\`\`ts\n${'export const answer = 42;\n'.repeat(40)}\`\`\`\n`,
          metrics: { total_chunks: 5, chunks_completed: 5, refine_rounds: 0, input_tokens: 500, output_tokens: sent, tokens_per_second: 0, duration_ms: 1, cost: 0 },
          outputs,
          usage: { input_tokens: 500, output_tokens: sent },
          cost: 0,
          duration_ms: Math.round(performance.now() - started),
        },
      });
    },
  };
}

/** Runs started on the bench server: the first `open` request gets the 2,000-event run, the next the stream. */
const plans = [];
const server = await startServer({
  port: 0,
  webAssets,
  maxConnections: 100,
  runner: { run: (ctx) => plans.shift().run(ctx) },
});
const create = async () => {
  const response = await fetch(`${server.url}/api/stream/task`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task: 'bench run' }) });
  return (await response.json()).stream_id;
};
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--enable-precise-memory-info'],
});

// 2. Open a finished run of 2,000 events (5 stages × 396 tokens + the rest).
plans.push(scriptedRun((OPEN_EVENTS - 12) / 5, 0));
const finishedId = await create();
let storedEvents = 0;
for (;;) {
  const state = await (await fetch(`${server.url}/api/stream/status/${finishedId}`)).json();
  storedEvents = state.last_event_id;
  if (state.status === 'completed') break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const openTimes = [];
for (let round = 0; round < 5; round++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    // Fully drawn: the run view says completed and shows its result, then the frame after that is painted.
    new MutationObserver((_, observer) => {
      if (document.querySelector('main.run[data-phase="completed"] section.result .code-block')) {
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => (window.__drawnAt = performance.now()), 0));
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  await page.goto(`${server.url}/runs/${finishedId}`);
  await page.waitForFunction(() => window.__drawnAt !== undefined);
  const { drawnAt, events, timing } = await page.evaluate(() => ({
    drawnAt: window.__drawnAt,
    events: Number(document.querySelector('main.run').dataset.events),
    timing: performance.getEntriesByType('resource').map((e) => `${e.name.replace(/^.*\//, '').slice(0, 20)} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`).join(', ') + ` dcl ${Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd)}`,
  }));
  if (process.env.CORCH_BENCH_DEBUG) console.error(`open: ${Math.round(drawnAt)} ms; ${timing}`);
  if (events !== storedEvents) throw new Error(`the page drew ${events} events, the run has ${storedEvents}`);
  openTimes.push(drawnAt);
  await context.close();
}
openTimes.sort((a, b) => a - b);
const openMedian = openTimes[Math.floor(openTimes.length / 2)];

// 3. Stream RATE tokens/s for STREAM_SECONDS, one token per event.
const totalTokens = RATE * STREAM_SECONDS;
plans.push(scriptedRun(Math.ceil(totalTokens / 5), RATE));
const streamContext = await browser.newContext();
const page = await streamContext.newPage();
await page.addInitScript(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
});
const cdp = await streamContext.newCDPSession(page);
await cdp.send('Performance.enable');
const streamId = await create();
await page.goto(`${server.url}/runs/${streamId}`);
await page.locator('main.run[data-phase="running"]').waitFor();
// Long tasks of loading the page are not the stream's: count from here.
await page.evaluate(() => {
  window.__longTasks.length = 0;
});
const heap = [];
const gcWindows = [];
const startedAt = Date.now();
const sampleEvery = Math.max(1000, Math.round((STREAM_SECONDS * 1000) / 6));
while (Date.now() - startedAt < STREAM_SECONDS * 1000 + 2000) {
  await new Promise((resolve) => setTimeout(resolve, sampleEvery));
  // The forced collection is the bench's own long task: its window is left out of the count.
  const gcStart = await page.evaluate(() => performance.now());
  await cdp.send('HeapProfiler.collectGarbage');
  gcWindows.push([gcStart, await page.evaluate(() => performance.now())]);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  heap.push({ s: Math.round((Date.now() - startedAt) / 1000), mb: +(used / 1024 / 1024).toFixed(2) });
  if ((await page.locator('main.run').getAttribute('data-phase')) === 'completed') break;
}
await page.locator('main.run[data-phase="completed"]').waitFor({ timeout: 60_000 });
const { allLongTasks, events } = await page.evaluate(() => ({ allLongTasks: window.__longTasks, events: Number(document.querySelector('main.run').dataset.events) }));
const longTasks = allLongTasks
  .filter((task) => !gcWindows.some(([from, to]) => task.start + task.duration >= from - 5 && task.start <= to + 5))
  .map((task) => task.duration);
await browser.close();
await server.close();

const maxLongTask = longTasks.length === 0 ? 0 : Math.max(...longTasks);
const firstHeap = heap[0]?.mb ?? 0;
const lastHeap = heap.at(-1)?.mb ?? 0;
// Bounded: the heap after GC at the end is within 2× (and 8 MB) of the first sample, while the text grew 60×.
const heapBounded = lastHeap <= Math.max(firstHeap * 2, firstHeap + 8);
const result = {
  js_css_gzip_kb: +(gzipBytes / 1024).toFixed(1),
  js_css_raw_kb: +(rawBytes / 1024).toFixed(1),
  open_finished_run_ms: { events: storedEvents, median: Math.round(openMedian), all: openTimes.map(Math.round) },
  stream: { rate: RATE, seconds: STREAM_SECONDS, events, long_tasks_over_50ms: longTasks.filter((d) => d > 50).length, longest_task_ms: Math.round(maxLongTask), heap_mb_after_gc: heap },
};
const ok = {
  size: result.js_css_gzip_kb <= BUDGET.gzipKb,
  open: openMedian <= BUDGET.openMs,
  longTasks: maxLongTask <= BUDGET.longTaskMs,
  heap: heapBounded,
};
const mark = (pass) => (pass ? 'ok  ' : 'MISS');
console.log(`${mark(ok.size)} JS+CSS gzipped          ${result.js_css_gzip_kb} kB (raw ${result.js_css_raw_kb} kB; budget ${BUDGET.gzipKb} kB)`);
console.log(`${mark(ok.open)} open a finished run    ${result.open_finished_run_ms.median} ms median of ${openTimes.length} for ${storedEvents} events, navigation to drawn (budget ${BUDGET.openMs} ms; ratio ${(openMedian / BUDGET.openMs).toFixed(2)})`);
console.log(
  `${mark(ok.longTasks)} stream ${RATE} tok/s ${STREAM_SECONDS}s   longest task ${result.stream.longest_task_ms} ms, ${result.stream.long_tasks_over_50ms} over 50 ms, ${events} events drawn (${allLongTasks.length - longTasks.length} long tasks of the bench's forced GCs left out)`,
);
console.log(`${mark(ok.heap)} heap after GC          ${heap.map((h) => `${h.s}s ${h.mb} MB`).join(', ')}`);
console.log(JSON.stringify(result));
process.exitCode = Object.values(ok).every(Boolean) ? 0 : 1;
