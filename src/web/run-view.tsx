import { useEffect, useState } from 'react';
import { CopyButton } from './copy-button.js';
import { firstLine, formatCost, formatDuration, rowLabel } from './format.js';
import { LiveText } from './live-text.js';
import { MarkdownView } from './markdown-view.js';
import { ReviewChecklist } from './review-checklist.js';
import { onLinkClick } from './router.js';
import { StageRows } from './stage-rows.js';
import { useCollaborativeStream } from './use-collaborative-stream.js';

const TICK_MS = 1000;

const PHASE_TEXT = {
  connecting: 'connecting',
  waiting: 'starting',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;

/** One run: plan, agents, live text, review, result, Cancel; its URL (`/runs/<id>`) is the link to share. */
export function RunView({ streamId, apiKey, onUnauthorized }: { streamId: string; apiKey: string | undefined; onUnauthorized: () => void }) {
  const run = useCollaborativeStream(streamId, apiKey !== undefined ? { apiKey } : {});
  const { state } = run;
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const finished = state.phase === 'completed' || state.phase === 'failed' || state.phase === 'cancelled';

  useEffect(() => {
    if (run.error?.code === 'E_UNAUTHORIZED') onUnauthorized();
  }, [run.error, onUnauthorized]);
  useEffect(() => {
    if (finished) return undefined;
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [finished]);
  useEffect(() => {
    document.title = `${firstLine(state.task)} · corch`;
  }, [state.task]);

  const currentRow = state.rows.find((row) => row.chunk === state.working[0]) ?? null;
  const elapsedMs = state.durationMs ?? (state.startedAtMs !== null ? Math.max(0, now - state.startedAtMs) : null);
  const review = state.outputs.reviewer;
  const status = finished
    ? PHASE_TEXT[state.phase]
    : currentRow && state.working.length > 1
      ? `${currentRow.agent}: ${state.working.length} candidates working (stage ${currentRow.chunk} of ${state.totalChunks})`
      : currentRow
        ? `${rowLabel(currentRow)} working (stage ${currentRow.chunk} of ${state.totalChunks})`
      : PHASE_TEXT[state.phase];
  const firstPane = state.panes[0];
  const writing = firstPane !== undefined && state.working.includes(firstPane.chunk);
  const liveTitle = firstPane ? `${firstPane.agent}${writing ? ' is writing' : ' wrote'}` : 'Live text';

  return (
    <main className="run" data-phase={state.phase} data-events={run.events}>
      <nav className="crumbs">
        <a href="/" onClick={(event) => onLinkClick(event, '/')}>
          ← Runs
        </a>
        <CopyButton text={location.href} label="Copy link" />
      </nav>
      <section className="card run-head" aria-labelledby="run-title">
        <h1 id="run-title">{state.task === null ? 'Loading run…' : firstLine(state.task)}</h1>
        <p className="run-meta">
          <span className={`status status-${state.phase}`} role="status" aria-live="polite">
            {status}
          </span>
          <span className="num">{formatDuration(elapsedMs)}</span>
          <span className="num">{formatCost(state.actualCost)}</span>
          {state.provider ? (
            <span className="muted">
              {state.provider}
              {state.model ? ` · ${state.model}` : ''}
            </span>
          ) : null}
          {!finished ? (
            <button
              type="button"
              className="danger"
              disabled={state.cancelling || state.phase === 'connecting'}
              onClick={() => {
                setCancelError(null);
                run.cancel().catch((error: unknown) => setCancelError(error instanceof Error ? error.message : String(error)));
              }}
            >
              {state.cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          ) : null}
        </p>
        {state.simulated ? <p className="notice">{state.providerNotice ?? 'simulated — no model was called'}</p> : null}
        <p className="connection" aria-live="polite">
          {connectionText(run)}
        </p>
        {cancelError ? <p className="field-error">{cancelError}</p> : null}
        {run.error && run.error.code !== 'E_UNAUTHORIZED' ? <p className="field-error">{run.error.message}</p> : null}
      </section>

      <section className="card plan" aria-labelledby="plan-title">
        <h2 id="plan-title">Plan</h2>
        <p className="plan-line">
          <span className="num">
            {state.chunksCompleted}/{state.totalChunks || '–'} stages
          </span>
          <span className="num">est. {state.estimatedTimeS === null ? '–' : formatDuration(state.estimatedTimeS * 1000)}</span>
          <span className="num">est. {formatCost(state.estimatedCost)}</span>
        </p>
        <progress max={Math.max(1, state.totalChunks)} value={state.chunksCompleted} aria-label="stages done" />
        <StageRows rows={state.rows} outputs={run.chunkOutputs} nowMs={now} />
      </section>

      <section className="card live" aria-labelledby="live-title">
        <h2 id="live-title">{liveTitle}</h2>
        {state.panes.length > 1 ? (
          // A consensus stage: its candidates side by side, each with its own box.
          <div className="candidates">
            {state.panes.map((pane) => {
              const label = `${pane.agent} · candidate ${pane.candidate ?? '?'} of ${pane.candidates ?? state.panes.length}`;
              return (
                <div key={pane.chunk}>
                  <p className="pane-caption muted">{label}</p>
                  <LiveText text={pane.text} label={label} streaming={state.working.includes(pane.chunk)} chunk={pane.chunk} />
                </div>
              );
            })}
          </div>
        ) : (
          <LiveText
            text={firstPane?.text ?? ''}
            label={firstPane ? `${firstPane.agent} output` : 'agent output'}
            streaming={writing}
            chunk={firstPane?.chunk}
          />
        )}
      </section>

      {review !== undefined ? <ReviewChecklist output={review} /> : null}

      {state.completed ? (
        <section className="card result" aria-labelledby="result-title">
          <div className="result-head">
            <h2 id="result-title">Result</h2>
            <CopyButton text={state.completed.result} label="Copy result" />
          </div>
          <MarkdownView text={state.completed.result} />
        </section>
      ) : null}
      {state.error ? (
        <section className="card" aria-labelledby="error-title">
          <h2 id="error-title">{state.phase === 'cancelled' ? 'Cancelled' : 'Failed'}</h2>
          <p>
            <code>{state.error.code}</code> {state.error.message}
          </p>
        </section>
      ) : null}
    </main>
  );
}

function connectionText(run: ReturnType<typeof useCollaborativeStream>): string {
  if (run.connection === 'reconnecting') return 'connection lost — reconnecting…';
  if (run.resumed) {
    return run.resumed.lost === 0
      ? 'reconnected — nothing lost'
      : `reconnected — ${run.resumed.lost} events were no longer on the server`;
  }
  return '';
}
