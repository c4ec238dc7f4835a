import type { StreamState } from '../protocol/stream-state.js';

/**
 * A stream's state in a Redis hash: one field per StreamState key, each value JSON (so `null`, numbers and
 * strings come back as they went in), which lets a patch be a plain HSET of the fields it changes. Private
 * fields start with `~` (the log's last seq, the task request) and are not part of the state.
 */

/** `[field, json, field, json, …]` for HSET; `stream_id` only when `withId` (a patch never changes it). */
export function encodeState(state: Partial<StreamState>, withId = false): string[] {
  const args: string[] = [];
  for (const [field, value] of Object.entries(state)) {
    if (value === undefined || (field === 'stream_id' && !withId)) continue;
    args.push(field, JSON.stringify(value));
  }
  return args;
}

/** The state kept in `hash` (HGETALL's reply), or undefined when the hash is empty (no such stream). */
export function decodeState(hash: Record<string, string>): StreamState | undefined {
  let found = false;
  const state: Record<string, unknown> = {};
  for (const [field, json] of Object.entries(hash)) {
    found = true;
    if (field.startsWith('~')) continue;
    try {
      state[field] = JSON.parse(json);
    } catch {
      // Written by something other than corch: leave the field out rather than fail every read.
    }
  }
  return found && typeof state.stream_id === 'string' ? (state as unknown as StreamState) : undefined;
}
