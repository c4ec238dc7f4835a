/**
 * An SSE reader that behaves as a real client of several servers does: it reads a stream until its terminal
 * event, and whenever a response ends early (a server stopped, Redis went away) it reconnects with its
 * Last-Event-ID — to the next of the given base URLs in turn — until it has the terminal event or a 204.
 */
import { createSseDecoder } from '../../src/protocol/sse.js';

export interface FollowedEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
  /** Which base URL delivered it. */
  from: string;
  /** Which server answered (its `X-Corch-Instance` header). */
  instance: string;
  /** Which response delivered it (0 for the first, 1 after the first reconnect, …). */
  response: number;
}

export interface FollowOptions {
  /** Start after this id (default 0). */
  after?: number;
  /** Stop (without the terminal event) once this many events arrived; for "disconnects midway" clients. */
  stopAfter?: number;
  /** Called with each event as it arrives. */
  onEvent?: (event: FollowedEvent) => void;
  /** Most reconnections before giving up (default 200). */
  maxAttempts?: number;
}

const TERMINAL = new Set(['task_completed', 'task_error']);
const RECONNECT_PAUSE_MS = 100;

/** Follows `streamId` across `baseUrls`; resolves with every stored event it received, in order. */
export async function followStream(baseUrls: readonly string[], streamId: string, options: FollowOptions = {}): Promise<FollowedEvent[]> {
  const events: FollowedEvent[] = [];
  let cursor = options.after ?? 0;
  const maxAttempts = options.maxAttempts ?? 200;
  let responses = 0;
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const base = baseUrls[attempt % baseUrls.length] as string;
    let response: Response;
    try {
      response = await fetch(`${base}/api/stream/events/${streamId}`, {
        headers: cursor > 0 ? { 'Last-Event-ID': String(cursor) } : {},
      });
    } catch {
      await pause();
      continue;
    }
    if (response.status === 204) return events;
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      await pause();
      continue;
    }
    let finished = false;
    const instance = response.headers.get('x-corch-instance') ?? '';
    const index = responses++;
    const decoder = createSseDecoder({
      onEvent: ({ id, event }) => {
        if (finished || id === undefined || event.event === 'heartbeat') return;
        const item: FollowedEvent = { id: Number(id), event: event.event, data: event.data as unknown as Record<string, unknown>, from: base, instance, response: index };
        cursor = item.id;
        events.push(item);
        options.onEvent?.(item);
        if (TERMINAL.has(item.event) || (options.stopAfter !== undefined && events.length >= options.stopAfter)) finished = true;
      },
    });
    const reader = response.body.getReader();
    try {
      while (!finished) {
        const chunk = await reader.read();
        if (chunk.done) break;
        decoder.feed(chunk.value);
      }
    } catch {
      // The server went away mid-response: reconnect below.
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    if (finished) return events;
    await pause();
  }
  throw new Error(`gave up following ${streamId} after ${maxAttempts} attempts at event ${cursor}`);
}

function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, RECONNECT_PAUSE_MS));
}

/** The ids 1..n. */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
