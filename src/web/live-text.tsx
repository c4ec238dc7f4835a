import { useLayoutEffect, useRef } from 'react';

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
        {text}
      </pre>
    </section>
  );
}
