import { useEffect, useState } from 'react';
import type { StreamState } from '../protocol/index.js';
import { needsKey, type PageApi } from './api.js';
import { firstLine, formatAge, formatCost } from './format.js';
import { onLinkClick } from './router.js';

/** Runs shown at first, and how many more "Show more" adds, up to what `GET /api/streams` allows. */
const PAGE_SIZE = 20;
const MAX_LIMIT = 1000;
/** The list is polled while the tab is visible: statuses, agents and costs move while runs work. */
const POLL_MS = 2000;

/** The server's runs, newest first, kept live. */
export function RunsList({ api, onUnauthorized }: { api: PageApi; onUnauthorized: () => void }) {
  const [limit, setLimit] = useState(PAGE_SIZE);
  const [streams, setStreams] = useState<StreamState[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      clearTimeout(timer);
      if (document.hidden) return;
      // One more than shown tells whether there is a next page.
      api.listStreams(Math.min(limit + 1, MAX_LIMIT)).then(
        (list) => {
          if (!live) return;
          setStreams(list);
          setError(null);
          setNow(Date.now());
          timer = setTimeout(load, POLL_MS);
        },
        (failure: unknown) => {
          if (!live) return;
          if (needsKey(failure)) return onUnauthorized();
          setError(failure instanceof Error ? failure.message : String(failure));
          timer = setTimeout(load, POLL_MS);
        },
      );
    };
    load();
    document.addEventListener('visibilitychange', load);
    return () => {
      live = false;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', load);
    };
  }, [api, limit, onUnauthorized]);

  const shown = streams?.slice(0, limit) ?? [];
  const more = streams !== null && streams.length > limit && limit < MAX_LIMIT;
  return (
    <section className="card runs" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {error ? <p className="field-error">{error}</p> : null}
      {streams === null ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <p className="muted">No runs yet. Start one above, or with `corch run`.</p>
      ) : (
        <ol className="run-list">
          {shown.map((s) => (
            <li key={s.stream_id} className="run-item">
              <a href={`/runs/${s.stream_id}`} onClick={(event) => onLinkClick(event, `/runs/${s.stream_id}`)}>
                {firstLine(s.task)}
              </a>
              <span className={`status status-${s.status}`}>{s.status}</span>
              <span className="muted">{s.current_agent ?? ''}</span>
              <span className="muted num">{formatAge(s.created_at, now)}</span>
              <span className="num">{formatCost(s.actual_cost)}</span>
            </li>
          ))}
        </ol>
      )}
      {more ? (
        <button type="button" className="secondary" onClick={() => setLimit((n) => Math.min(n + PAGE_SIZE, MAX_LIMIT))}>
          Show more
        </button>
      ) : null}
    </section>
  );
}
