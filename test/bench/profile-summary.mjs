#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time and total (inclusive) time per
// function, top N, with file:line, so a hot spot can be named without opening DevTools.
// usage: node test/bench/profile-summary.mjs FILE.cpuprofile [--top 25] [--filter src/] [--skip MS]
// (--skip leaves out the first MS ms, e.g. module loading, to see the steady state)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, filter: { type: 'string', default: '' }, skip: { type: 'string', default: '0' } },
});
const top = Number(values.top);

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample counts per node, then time per sample from the deltas.
  const hits = new Map();
  const skipUs = Number(values.skip) * 1000;
  let t = profile.startTime;
  let kept = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas?.[i] ?? 0;
    if (t - profile.startTime < skipUs) return;
    kept++;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  const totalUs = profile.endTime - profile.startTime - skipUs;
  const usPerSample = totalUs / kept;
  const key = (n) => {
    const f = n.callFrame;
    const url = f.url.replace(/^file:\/\/.*?\/(\.tmp\/bench-dist\/|node_modules\/|test\/bench\/)/, '$1');
    return `${f.functionName || '(anonymous)'} ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim();
  };
  const self = new Map();
  const total = new Map();
  for (const [id, count] of hits) {
    const node = byId.get(id);
    self.set(key(node), (self.get(key(node)) ?? 0) + count);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + count);
    }
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, c]) => a + c, 0);
  const busy = kept - idle;
  console.log(`\n${file}: ${(totalUs / 1000).toFixed(0)} ms profiled, ${((busy * usPerSample) / 1000).toFixed(0)} ms busy`);
  const show = (title, map) => {
    console.log(`  ${title}`);
    const rows = [...map].filter(([k]) => !k.startsWith('(idle)') && k.includes(values.filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [k, c] of rows) console.log(`  ${((c * usPerSample) / 1000).toFixed(1).padStart(8)} ms ${((c / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
  };
  show('self time (of busy time)', self);
  show('total time, inclusive', total);
}
