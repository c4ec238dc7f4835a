// The stdout table: one line per metric, corch and baseline medians, the ratio, the goal and whether it is met.

function fmt(v) {
  if (typeof v !== 'number' || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function printTable(rows, { runs, machine, quick }) {
  const head = ['scenario', 'N', 'metric', 'corch', 'baseline', 'ratio', 'goal', ''];
  const lines = rows.map((r) => [
    r.scenario, String(r.size), r.unit ? `${r.metric} (${r.unit})` : r.metric, fmt(r.corch), fmt(r.baseline),
    Number.isNaN(r.ratio) ? '' : `${r.ratio.toFixed(2)}×`, r.goal ?? '', r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const right = new Set([1, 3, 4, 5]);
  const line = (cells) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [
    '',
    `corch vs bare node:http SSE — median of ${runs} run(s)${quick ? ', --quick' : ''} — ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}${machine.dirty ? '+' : ''}`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...lines.map(line),
    '',
  ];
  process.stdout.write(out.join('\n'));
}
