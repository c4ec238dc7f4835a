#!/usr/bin/env node
// `npm run bench` — corch's stream server and client, side by side with a bare node:http SSE server.
// Every scenario runs corch and the baseline alternately in one invocation, median of --runs (3) runs, and
// prints both figures and their ratio. Results also go to bench-results/<scenario>-<timestamp>.json.
// See docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPackage, buildSources, ROOT } from './lib/build-src.mjs';
import { WANTED_NOFILE } from './lib/children.mjs';
import { config, IMPLS, writeJson } from './lib/harness.mjs';
import { printTable } from './lib/table.mjs';
import { burstScenario } from './scenarios/burst.mjs';
import { clientScenario } from './scenarios/client-cpu.mjs';
import { fanoutScenario } from './scenarios/fanout.mjs';
import { idleScenario } from './scenarios/idle.mjs';
import { latencyScenario } from './scenarios/latency.mjs';
import { redisScenario } from './scenarios/redis.mjs';
import { singleScenario } from './scenarios/single.mjs';
import { consensusScenario } from './scenarios/consensus.mjs';

const HELP = `usage: npm run bench -- [--scenario LIST] [--quick] [--runs N] [--sizes LIST] [--profile] [--no-build]

  --scenario LIST   comma-separated: idle, fanout, latency, burst, single, client, consensus, redis; "server" =
                    the first five; default: all (redis needs redis-server, and is skipped with a note without it)
  --quick           small sizes (idle 1k, fan-out 100/1000, latency 1/100, short runs): about 2 minutes
  --runs N          runs per implementation and size, the median is reported (default 3)
  --sizes LIST      override the sizes of idle / fanout / latency, e.g. --sizes 1000,5000
  --only IMPL       run one implementation only: corch or baseline (for debugging the bench)
  --profile         run corch's server under node --cpu-prof; profiles go to bench-results/profiles/
  --no-build        skip compiling src/ and building dist/
`;

const { values: flags } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    sizes: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const ALL = ['idle', 'fanout', 'latency', 'burst', 'single', 'client', 'consensus', 'redis'];
const wanted = flags.scenario === 'all' ? ALL : flags.scenario === 'server' ? ALL.slice(0, 5) : flags.scenario.split(',').map((s) => s.trim());
for (const s of wanted) if (!ALL.includes(s)) throw new Error(`--scenario: unknown scenario "${s}"; valid: ${ALL.join(', ')}, server, all`);
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${flags.runs}`);
if (flags.only && !IMPLS.includes(flags.only)) throw new Error(`--only must be corch or baseline, got ${flags.only}`);
if (flags.only) config.impls = [flags.only];
const sizes = flags.sizes?.split(',').map(Number);
const quick = flags.quick;

/** Scenario parameters: full and --quick. */
const PLAN = {
  idle: { sizes: sizes ?? (quick ? [1000] : [1000, 5000, 10_000]), heartbeatSeconds: quick ? 1 : 2 },
  fanout: {
    sizes: sizes ?? (quick ? [100, 1000] : [1, 100, 1000]),
    reviewRounds: 3,
    // Back-to-back runs per measurement, so each lasts a few hundred ms at least.
    repsFor: (n) => (n >= 1000 ? 1 : n >= 100 ? (quick ? 2 : 4) : quick ? 10 : 20),
  },
  latency: { sizes: sizes ?? (quick ? [1, 100] : [1, 100, 1000]), rate: 100, count: quick ? 150 : 500 },
  burst: { reviewRounds: 3, reps: quick ? 10 : 20, rate: 100, count: quick ? 200 : 500 },
  single: { count: quick ? 5000 : 20_000, bursts: [1, 8], reps: quick ? 1 : 3 },
  client: { reviewRounds: 3 },
  consensus: { runsPerProcess: quick ? 15 : 60 },
  redis: {
    sizes: sizes ?? [100, 1000],
    reviewRounds: 3,
    repsFor: (n) => (n >= 1000 ? 1 : quick ? 2 : 4),
    rate: 100,
    count: quick ? 200 : 500,
    burst: { tokens: quick ? 5000 : 20_000, perTurn: 8 },
    memory: { idleRuns: quick ? 200 : 1000, events: quick ? 5000 : 20_000 },
    cancels: quick ? 10 : 30,
  },
};

function machine() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const limits = spawnSync('bash', ['-c', `ulimit -n ${WANTED_NOFILE} 2>/dev/null && echo raised || echo kept; ulimit -n; ulimit -Hn`], { encoding: 'utf8' }).stdout.trim().split('\n');
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    load_average: os.loadavg().map((x) => +x.toFixed(2)),
    nofile: { wanted: WANTED_NOFILE, raised: limits[0] === 'raised', soft: limits[1], hard: limits[2] },
    commit: git('rev-parse', '--short', 'HEAD'),
    dirty: git('status', '--porcelain', '--', 'src').length > 0,
  };
}

const log = (line) => process.stderr.write(`${line}\n`);
const info = machine();
log(`machine: ${info.cpu}, ${info.cores} cores, node ${info.node}, load ${info.load_average.join(' ')}, commit ${info.commit}${info.dirty ? ' (src/ modified)' : ''}`);
if (!info.nofile.raised) log(`note: ulimit -n cannot be raised to ${info.nofile.wanted}; each process gets ${info.nofile.hard} file descriptors (the hard limit)`);

if (!flags['no-build']) {
  log('building: compiling src/ for the server wrapper');
  const { typeErrors } = buildSources();
  if (typeErrors) log('note: src/ has type errors right now (compiled anyway)');
  if (wanted.includes('client')) {
    log('building: npm run build (the CLI, for the client scenario)');
    buildPackage();
  }
}

const resultsDir = path.join(ROOT, 'bench-results');
mkdirSync(resultsDir, { recursive: true });
if (flags.profile) {
  config.profileDir = path.join(resultsDir, 'profiles');
  mkdirSync(config.profileDir, { recursive: true });
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const RUNNERS = {
  idle: idleScenario,
  fanout: fanoutScenario,
  latency: latencyScenario,
  burst: burstScenario,
  single: singleScenario,
  client: clientScenario,
  consensus: consensusScenario,
  redis: redisScenario,
};

const allRows = [];
const started = Date.now();
for (const name of wanted) {
  const t0 = Date.now();
  const params = { ...PLAN[name], runs, log };
  const { rows, raw } = await RUNNERS[name](params);
  allRows.push(...rows);
  const file = writeJson(path.join(resultsDir, `${name}-${stamp}.json`), {
    scenario: name, quick, runs, params: PLAN[name], machine: info, rows, raw, seconds: (Date.now() - t0) / 1000,
  });
  log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s → ${path.relative(ROOT, file)}`);
}

printTable(allRows, { runs, machine: info, quick });
log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (config.profileDir) log(`profiles: ${path.relative(ROOT, config.profileDir)} (open in Chrome DevTools → Performance, or speedscope)`);
process.exit(0);
