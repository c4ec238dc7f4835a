import { useLayoutEffect, useRef } from 'react';

/**
 * The box shows at most this much of the end of the text (from a line start): the browser lays the whole
 * box out again on every frame that adds a token, and a long text made those frames long tasks. The full
 * output of a finished agent is one click away in its row.
 */
export const LIVE_TEXT_SHOWN_CHARS = 6000;

/** The last {@link LIVE_TEXT_SHOWN_CHARS} of `text`, starting at a line when there is one near the cut. */
export function liveTail(text: string): string {
  if (text.length <= LIVE_TEXT_SHOWN_CHARS) return text;
  const cut = text.length - LIVE_TEXT_SHOWN_CHARS;
  const line = text.indexOf('\n', cut);
  return line >= 0 && line - cut < 200 ? text.slice(line + 1) : text.slice(cut);
}

/** How close to the bottom (px) counts as "following": the box then keeps scrolling with the new text. */
const FOLLOW_SLACK_PX = 24;

/**
 * The working agent's text as it streams. The box has a fixed height, so the page never moves while tokens
 * arrive; it follows the end unless the reader scrolled up to read.
 */
export function LiveText({ text, label, streaming, chunk }: { text: string; label: string; streaming: boolean; chunk?: number }) {
  const box = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the effect runs because the text grew, which it does not read.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    // A named region, not a live one: announcing every token would drown a screen reader.
    <section aria-label={label} className="live-wrap">
      <pre
        ref={box}
        className="live-text"
        data-streaming={streaming ? 'true' : 'false'}
        data-chunk={chunk}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard to be scrolled.
        tabIndex={0}
        onScroll={() => {
          const el = box.current;
          if (el) following.current = el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_SLACK_PX;
        }}
      >
        {liveTail(text)}
      </pre>
    </section>
  );
}
