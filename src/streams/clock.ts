/**
 * Time as the server and the stream store see it. Injected so that tests can move time forward
 * (TTL expiry, heartbeats) without waiting and without faking the globals that node:http relies on.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  /** Runs `fn` once after `ms`. The timer must not keep the process alive (`unref`). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = object;

/**
 * The real clock. Globals are looked up at call time (not captured at import) so a test that installs
 * fake timers after importing this module still controls it.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = globalThis.setTimeout(fn, ms);
    // Housekeeping timers (expiry, heartbeats) must never hold a finished process open.
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
};

/** ISO 8601 in UTC with a `Z`, as every event's `timestamp` is. */
export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
