import { type ReactNode, useState } from 'react';
import type { StageRow } from '../render/dashboard-state.js';
import { formatCost, formatDuration, formatTokens, rowLabel, rowTokens } from './format.js';
import { MarkdownView } from './markdown-view.js';

const STATUS_TEXT: Record<StageRow['status'], string> = {
  waiting: 'waiting',
  working: 'working',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
};

/** Every agent of the run: status, time, tokens and cost; a finished agent's output opens with one click. */
export function StageRows({ rows, outputs, nowMs }: { rows: StageRow[]; outputs: Readonly<Record<number, string>>; nowMs: number }) {
  return (
    <ol className="stages" aria-label="Agents">
      {rows.map((row) => {
        const time =
          row.durationMs !== null
            ? formatDuration(row.durationMs)
            : row.status === 'working' && row.startedAtMs !== null
              ? formatDuration(Math.max(0, nowMs - row.startedAtMs))
              : '–';
        const cells = (
          <>
            <span className="stage-name" title={row.error ?? row.description}>
              {rowLabel(row)}
            </span>
            <span className={`status status-${row.status}`}>{STATUS_TEXT[row.status]}</span>
            <span className="num" title="time">
              {time}
            </span>
            <span className="num" title="output tokens">
              {row.status === 'waiting' || row.status === 'skipped' ? '–' : `${formatTokens(rowTokens(row))} tok`}
            </span>
            <span className="num" title="cost">
              {row.cost === null ? '–' : formatCost(row.cost)}
            </span>
          </>
        );
        const output = outputs[row.chunk];
        return (
          <li key={row.chunk} className="stage" data-chunk={row.chunk} data-status={row.status}>
            {output !== undefined ? (
              <StageOutput cells={cells} output={output} />
            ) : (
              <div className="stage-cells">{cells}</div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** A finished agent's row: its summary opens its full output, drawn only once opened (a long run stays quick to show). */
function StageOutput({ cells, output }: { cells: ReactNode; output: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}>
      <summary className="stage-cells">{cells}</summary>
      <div className="stage-output">{open ? <MarkdownView text={output} /> : null}</div>
    </details>
  );
}
