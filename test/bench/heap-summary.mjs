#!/usr/bin/env node
// Self size and count per constructor in a .heapsnapshot, optionally minus another snapshot, divided by a
// number of streams: what one idle stream costs, object by object.
// usage: node test/bench/heap-summary.mjs AFTER.heapsnapshot [BEFORE.heapsnapshot] [--per N] [--top 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { per: { type: 'string', default: '1' }, top: { type: 'string', default: '30' } },
});

function aggregate(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const out = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    const name = type === 'object' || type === 'closure' ? snap.strings[nodes[i + iName]] : `(${type})`;
    const key = type === 'closure' ? `closure ${name}` : name;
    const e = out.get(key) ?? { count: 0, size: 0 };
    e.count++;
    e.size += nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

const after = aggregate(positionals[0]);
const before = positionals[1] ? aggregate(positionals[1]) : new Map();
const per = Number(values.per);
const rows = [...after].map(([k, e]) => {
  const b = before.get(k) ?? { count: 0, size: 0 };
  return [k, (e.count - b.count) / per, (e.size - b.size) / per];
});
rows.sort((a, b) => b[2] - a[2]);
const total = rows.reduce((a, r) => a + r[2], 0);
console.log(`bytes per unit (÷${per}): ${total.toFixed(0)}`);
for (const [k, c, s] of rows.slice(0, Number(values.top))) console.log(`${s.toFixed(0).padStart(8)} B ${c.toFixed(2).padStart(7)} ×  ${k.slice(0, 90)}`);
