// Scenario 7 — the pipeline's own overhead with a consensus stage: CPU per output token of whole runs with
// the Coder as three parallel candidates (plus their Judge) against the same run with one Coder. Both run
// the real orchestrator through the StreamManager into the memory store, on the simulated provider
// unthrottled, each measurement in a fresh process (servers/pipeline-cpu.mjs) after warm-up runs. Three
// candidates write about three times the Coder's tokens, so equal CPU per token means the parallel group
// (three coalescers, interleaved appends, the Judge's prompt) adds nothing of its own. Goal: ≤ 1.2×.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { row } from '../lib/harness.mjs';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../servers/pipeline-cpu.mjs');

function measure(candidates, runsPerProcess) {
  const r = spawnSync(process.execPath, [CHILD, '--candidates', String(candidates), '--runs', String(runsPerProcess)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pipeline-cpu.mjs --candidates ${candidates} failed:\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  if (out.completed !== out.runs) throw new Error(`pipeline-cpu.mjs: ${out.runs - out.completed} of ${out.runs} runs did not complete`);
  return { ...out, cpu_us_per_token: (out.cpu_ms * 1000) / out.tokens, tokens_per_run: out.tokens / out.runs };
}

export async function consensusScenario({ runs, runsPerProcess, log }) {
  log(`consensus: CPU per output token, Coder ×3 candidates vs ×1, ${runsPerProcess} runs per process, ${runs} process(es) each`);
  const results = { corch: [], baseline: [] };
  for (let run = 0; run < runs; run++) {
    // Alternate the order, so a machine that gets busier during the bench does not favour one side.
    const order = run % 2 === 0 ? [3, 1] : [1, 3];
    for (const n of order) {
      const result = measure(n, runsPerProcess);
      (n === 3 ? results.corch : results.baseline).push(result);
      log(`  run ${run + 1}/${runs} candidates=${n} cpu_us_per_token=${result.cpu_us_per_token.toFixed(2)} tokens_per_run=${Math.round(result.tokens_per_run)} token_events=${result.events}`);
    }
  }
  const rows = [
    row('consensus', 'coder ×3 | ×1', 'pipeline CPU per output token, 3 candidates | 1', 'µs', results, 'cpu_us_per_token', { ratio: { max: 1.2 }, text: '≤ 1.2×' }),
    row('consensus', 'coder ×3 | ×1', 'output tokens per run, 3 candidates | 1', '', results, 'tokens_per_run'),
  ];
  return { rows, raw: results };
}
