/**
 * Abort helpers shared by every provider.
 *
 * The rule, for all providers: when the caller's signal aborts, `stream` throws `signal.reason` as is.
 * The orchestrator aborts with a CorchError saying why (cancel, budget, shutdown), so that error travels
 * back unchanged; a bare `controller.abort()` gives the platform's `DOMException` named `AbortError`.
 */
import type { Clock } from '../streams/clock.js';

/** A sleep that can be cut short: rejects with `signal.reason` as soon as the signal aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** Throws the signal's reason when it has aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}

/** The default {@link Sleep}, on real timers. */
export const sleepWithSignal: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** A {@link Sleep} on an injected clock (a test's manual clock moves retries' backoff as it moves). */
export function sleepOn(clock: Clock): Sleep {
  return (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clock.clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal.addEventListener('abort', onAbort, { once: true });
    });
}

/** Never resolves; rejects with `signal.reason` when the signal aborts (a stalled model, on purpose). */
export function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Lets other work on the event loop run (timers, sockets) before continuing. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
