import { useMemo } from 'react';
import { parseReview } from '../orchestrator/review.js';
import { MarkdownView } from './markdown-view.js';

/** The latest review as a checklist: critical issues first, then suggestions; the reader ticks what is handled. */
export function ReviewChecklist({ output }: { output: string }) {
  const review = useMemo(() => parseReview(output), [output]);
  if (!review.parsed) {
    return (
      <section className="card" aria-labelledby="review-title">
        <h2 id="review-title">Review</h2>
        <p className="muted">The review was not in the expected shape; here it is as written.</p>
        <MarkdownView text={review.raw} />
      </section>
    );
  }
  return (
    <section className="card review" aria-labelledby="review-title">
      <h2 id="review-title">
        Review
        {review.code_quality_score !== null ? <span className="muted"> · quality {review.code_quality_score}/10</span> : null}
      </h2>
      <Checklist title="Critical issues" kind="critical" items={review.critical_issues} empty="No critical issues." />
      <Checklist title="Suggestions" kind="suggestion" items={review.suggestions} empty="No suggestions." />
    </section>
  );
}

function Checklist({ title, kind, items, empty }: { title: string; kind: string; items: string[]; empty: string }) {
  return (
    <>
      <h3>{title}</h3>
      {items.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className={`checklist checklist-${kind}`}>
          {items.map((item, i) => (
            <li key={i}>
              <label>
                <input type="checkbox" /> <span>{item}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
