#!/usr/bin/env node
// Start-up benchmark: `corch --version` through Node and through the single binary, side by side with
// bare `node -e 0`, median of several runs. Goals: binary ≤ 25 ms, Node entry ≤ 2× bare Node.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WARMUP = 3;
const BINARY = path.join(ROOT, 'dist-bin', 'corch');

function ensureBuilt() {
  const entry = path.join(ROOT, 'dist/cli/main.mjs');
  if (!existsSync(entry)) run('npm', ['run', 'build']);
  // A binary older than the build or the shim it embeds would measure old code.
  const inputs = Math.max(statSync(entry).mtimeMs, statSync(path.join(ROOT, 'bin/corch.mjs')).mtimeMs);
  if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < inputs) run('npm', ['run', 'compile:binary']);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
}

/** Wall time in ms of spawning `cmd args` to completion. */
function timeOnce(cmd, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/**
 * Median, min and max per command. The commands take turns, one run each per round, so a burst of load
 * from other work on the machine falls on all of them alike instead of on whichever was being measured.
 */
function measureAll(commands) {
  const times = commands.map(() => []);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    commands.forEach(([cmd, args], k) => {
      const ms = timeOnce(cmd, args);
      if (i >= WARMUP) times[k].push(ms);
    });
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1] };
  });
}

ensureBuilt();
const [bare, nodeEntry, binary] = measureAll([
  [process.execPath, ['-e', '0']],
  [process.execPath, [path.join(ROOT, 'bin/corch.mjs'), '--version']],
  [BINARY, ['--version']],
]);

const rows = [
  ['node -e 0 (baseline)', bare, 1],
  ['corch --version (node)', nodeEntry, nodeEntry.median / bare.median],
  ['corch --version (binary)', binary, binary.median / bare.median],
];
console.log(`start-up, median of ${RUNS} runs (${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, node ${process.version})`);
console.log('command'.padEnd(28) + 'median ms'.padStart(10) + 'min'.padStart(8) + 'max'.padStart(8) + '  × bare node');
for (const [name, t, ratio] of rows) {
  console.log(name.padEnd(28) + t.median.toFixed(1).padStart(10) + t.min.toFixed(1).padStart(8) + t.max.toFixed(1).padStart(8) + `  ${ratio.toFixed(2)}×`);
}
const goals = [
  [`binary ≤ 25 ms`, binary.median <= 25],
  [`node entry ≤ 2× bare node`, nodeEntry.median <= 2 * bare.median],
];
for (const [goal, met] of goals) console.log(`${met ? 'met   ' : 'MISSED'}  ${goal}`);

mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
const file = path.join(ROOT, 'bench-results', `startup-${Date.now()}.json`);
writeFileSync(file, JSON.stringify({ machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version }, runs: RUNS, bare, nodeEntry, binary }, null, 2));
console.log(`saved ${path.relative(ROOT, file)}`);
