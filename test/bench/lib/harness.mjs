// What every scenario needs: starting corch's server or the baseline in a child process the same way,
// a load client, alternating the two implementations run by run, and rows for the report.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from './children.mjs';
import { ROOT } from './build-src.mjs';
import { median } from './stats.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCRIPTS = {
  corch: path.join(HERE, '../servers/corch-server.mjs'),
  baseline: path.join(HERE, '../servers/baseline-server.mjs'),
  client: path.join(HERE, '../load-client.mjs'),
  append: path.join(HERE, '../servers/append-cost.mjs'),
};

export const IMPLS = ['corch', 'baseline'];

/** Bench-wide settings (set once by run.mjs from the flags). */
export const config = { profileDir: undefined, impls: IMPLS };

/**
 * Starts one server in its own process: `node --expose-gc <wrapper> --mode …`. Under --profile, corch's
 * server runs with --cpu-prof (written when it exits).
 */
export async function startServer(impl, args) {
  const execArgv = ['--expose-gc'];
  if (config.profileDir && impl === 'corch') execArgv.push('--cpu-prof', `--cpu-prof-dir=${config.profileDir}`);
  const child = startChild(SCRIPTS[impl], args, { execArgv, name: `${impl} server`, cwd: ROOT });
  const listening = child.waitNotice('listening', 30_000);
  const failed = child.exited.then(({ code, signal }) => {
    throw new Error(`${impl} server exited (${signal ?? code}) before listening`);
  });
  const { url } = await Promise.race([listening, failed]);
  failed.catch(() => {});
  return { impl, url, child, call: child.call.bind(child), stop: () => child.stop() };
}

/** Starts a load client process. */
export async function startLoadClient() {
  const child = startChild(SCRIPTS.client, [], { name: 'load client', cwd: ROOT });
  await child.waitNotice('ready', 30_000);
  return { child, call: child.call.bind(child), stop: () => child.stop() };
}

/** Starts the in-process append-cost probe (no network; see servers/append-cost.mjs). */
export async function startAppendProbe() {
  const child = startChild(SCRIPTS.append, [], { execArgv: ['--expose-gc'], name: 'append probe', cwd: ROOT });
  await child.waitNotice('ready', 30_000);
  return { child, call: child.call.bind(child), stop: () => child.stop() };
}

/** Runs `body` with the processes it starts, stopping every one of them afterwards (also on failure). */
export async function withProcesses(body) {
  const started = [];
  const track = (p) => {
    started.push(p);
    return p;
  };
  try {
    return await body(track);
  } finally {
    // Servers first: their sockets close on the server side, so TIME_WAIT stays off the client's ports.
    for (const p of started.reverse()) await p.stop();
  }
}

/**
 * Runs `measure(impl, run)` `runs` times per implementation, alternating which goes first so that drift
 * in the machine's load affects both alike. Returns {corch: [...], baseline: [...]}.
 */
export async function alternate(runs, measure, log) {
  const results = Object.fromEntries(config.impls.map((impl) => [impl, []]));
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? config.impls : [...config.impls].reverse();
    for (const impl of order) {
      const result = await measure(impl, run);
      results[impl].push(result);
      log?.(`  run ${run + 1}/${runs} ${impl.padEnd(8)} ${summarise(result)}`);
    }
  }
  return results;
}

function summarise(result) {
  return Object.entries(result)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`)
    .join(' ');
}

/**
 * One report row from per-run results: the median of `key` for both implementations and their ratio.
 * `goal` is {ratio: {max|min}} or {abs: {max|min}} (checked on corch's median) or undefined.
 */
export function row(scenario, size, metric, unit, results, key, goal) {
  const pick = (impl) => median((results[impl] ?? []).map((r) => r[key]));
  const corch = pick('corch');
  const baseline = pick('baseline');
  const ratio = corch / baseline;
  let met;
  if (goal?.ratio) met = goal.ratio.max !== undefined ? ratio <= goal.ratio.max : ratio >= goal.ratio.min;
  else if (goal?.abs) met = goal.abs.max !== undefined ? corch <= goal.abs.max : corch >= goal.abs.min;
  else if (goal?.diff) met = corch - baseline <= goal.diff.max;
  return { scenario, size, metric, unit, corch, baseline, ratio, goal: goal?.text, met };
}

/** Writes a JSON file and returns its path. */
export function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}
