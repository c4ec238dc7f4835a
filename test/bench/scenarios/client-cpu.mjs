// Scenario 5 — the client: CPU used by `corch run` (the built CLI, bin/corch.mjs) while it renders a stream
// of 500 tokens/s from a corch server, in plain mode (stdout is a pipe) and in tty mode (inside a
// pseudo-terminal made by util-linux `script`). The CLI's CPU time is read from /proc/<pid>/stat over the
// steady part of the run (from 0.5 s after the run starts until it ends), so start-up is not counted.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/build-src.mjs';
import { monoMs, sleep, median } from '../lib/stats.mjs';
import { startServer, withProcesses } from '../lib/harness.mjs';

const TOKENS_PER_SECOND = 500;
/** Start-up (module loading, first connection) is left out of the measured window. */
const WARMUP_MS = 500;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU time of a process in ms, all threads: from /proc/<pid>/task/<tid>/schedstat (nanoseconds on CPU),
 * falling back to utime + stime of /proc/<pid>/stat (clock ticks). Undefined once the process is gone.
 */
function cpuMs(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    if (ns > 0) return ns / 1e6;
  } catch {
    // no schedstat: fall through
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Nanoseconds on CPU of each live thread of `pid`; undefined when the process is gone or has no schedstat. */
function threadTimes(pid) {
  try {
    const times = new Map();
    for (const tid of readdirSync(`/proc/${pid}/task`)) times.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    return times.size > 0 ? times : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process over a window, sampled every 50 ms per thread: a thread that ends inside the window
 * (V8's helper threads come and go) keeps the time it had at its last sample, instead of vanishing from a
 * sum read only at the start and the end (which could make the window's CPU time negative).
 */
function startCpuMeter(pid) {
  const first = new Map();
  const last = new Map();
  let started = false;
  const sample = () => {
    const times = threadTimes(pid);
    if (!times) return;
    for (const [tid, ns] of times) {
      // A thread born inside the window counts from 0.
      if (!first.has(tid)) first.set(tid, started ? 0 : ns);
      last.set(tid, ns);
    }
    started = true;
  };
  sample();
  const fallback0 = started ? undefined : cpuMs(pid);
  const timer = setInterval(sample, 50);
  return {
    stop() {
      clearInterval(timer);
      sample();
      if (!started) {
        const fallback1 = cpuMs(pid);
        return fallback0 === undefined || fallback1 === undefined ? undefined : fallback1 - fallback0;
      }
      let ns = 0;
      for (const [tid, value] of last) ns += value - (first.get(tid) ?? 0);
      return ns / 1e6;
    },
  };
}

const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

async function measureOnce(mode, reviewRounds) {
  return withProcesses(async (track) => {
    const server = track(await startServer('corch', ['--mode', 'real', '--no-gate']));
    const dir = path.join(ROOT, '.tmp', 'bench');
    mkdirSync(dir, { recursive: true });
    const pidFile = path.join(dir, `client-${process.pid}-${mode}.pid`);
    rmSync(pidFile, { force: true });
    const cli = [
      quote(process.execPath), quote(path.join(ROOT, 'bin/corch.mjs')), 'run', quote('Write a function that parses CSV lines into records'),
      '--base-url', quote(server.url), '--progress', mode, '--provider', 'simulated',
      '--provider-option', `tokens_per_second=${TOKENS_PER_SECOND}`, '--provider-option', `review_rounds=${reviewRounds}`,
    ].join(' ');
    const inner = `echo $$ > ${quote(pidFile)}; exec ${cli}`;
    const command = mode === 'tty' ? ['script', ['-qfec', `stty cols 120 rows 40; ${inner}`, '/dev/null']] : ['bash', ['-c', inner]];
    const runStart = server.child.waitNotice('run-start', 60_000);
    const runEnd = server.child.waitNotice('run-end', 600_000);
    const child = spawn(command[0], command[1], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SHELL: '/bin/bash', COLUMNS: '120', LINES: '40' } });
    let output = 0;
    let stderr = '';
    let lastOutput = '';
    child.stdout.on('data', (c) => {
      output += c.length;
      lastOutput = (lastOutput + c).slice(-4000);
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    track({ stop: async () => { if (child.exitCode === null) child.kill('SIGKILL'); await exited; } });

    const failed = exited.then((code) => {
      throw new Error(`corch run --progress ${mode} exited ${code} before its run started: ${(stderr || lastOutput).slice(-1500)}`);
    });
    failed.catch(() => {});
    await Promise.race([runStart, failed]);
    await sleep(WARMUP_MS);
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
    if (!pid) throw new Error(`corch run (${mode}) did not start: ${stderr}`);
    const meter = startCpuMeter(pid);
    const t0 = monoMs();
    await runEnd;
    const cpu = meter.stop();
    const t1 = monoMs();
    const code = await exited;
    rmSync(pidFile, { force: true });
    if (code !== 0 || cpu === undefined) {
      throw new Error(`corch run --progress ${mode} exited ${code}: ${(stderr || lastOutput).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').slice(-1500)}`);
    }
    return { cpu_pct: (cpu / (t1 - t0)) * 100, window_s: (t1 - t0) / 1000, output_kb: output / 1024 };
  });
}

export async function clientScenario({ runs, reviewRounds, log }) {
  const rows = [];
  const raw = {};
  for (const mode of ['plain', 'tty']) {
    const results = [];
    // tty: log-update draws the dashboard (the design card's choice) and re-wraps every frame, so its goal
    // is 4% rather than the 3% the in-house line differ met.
    const limit = mode === 'plain' ? 2 : 4;
    const metric = `corch run --progress ${mode}: CPU`;
    try {
      for (let i = 0; i < runs; i++) {
        const r = await measureOnce(mode, reviewRounds);
        log(`  run ${i + 1}/${runs} corch run --progress ${mode}: ${r.cpu_pct.toFixed(2)}% of a core over ${r.window_s.toFixed(1)} s, ${r.output_kb.toFixed(0)} KiB written`);
        results.push(r);
      }
    } catch (error) {
      // A broken CLI mode is a finding, not a reason to lose the other figures.
      log(`  ${metric}: FAILED — ${error instanceof Error ? error.message : error}`);
      raw[mode] = { error: String(error instanceof Error ? error.message : error) };
      rows.push({ scenario: 'client', size: `${TOKENS_PER_SECOND} tok/s`, metric: `${metric} (run failed)`, unit: '% core', corch: Number.NaN, baseline: Number.NaN, ratio: Number.NaN, goal: `≤ ${limit}%`, met: false });
      continue;
    }
    raw[mode] = results;
    const corch = median(results.map((r) => r.cpu_pct));
    rows.push({ scenario: 'client', size: `${TOKENS_PER_SECOND} tok/s`, metric, unit: '% core', corch, baseline: Number.NaN, ratio: Number.NaN, goal: `≤ ${limit}%`, met: corch <= limit });
  }
  return { rows, raw };
}
