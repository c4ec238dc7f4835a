import type { StreamState } from '../protocol/stream-state.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { checkStreamId, connectRemote } from './remote.js';

export interface StatusOptions {
  baseUrl?: string;
  apiKey?: string;
  json?: boolean;
}

/** `corch status <stream-id> [--json]`: one stream's state, as aligned lines or the server's JSON. */
export async function statusCommand(id: string, options: StatusOptions, io: CliIo): Promise<number> {
  const streamId = checkStreamId(id);
  const { client } = await connectRemote('status', options, io);
  const state = await client.status(streamId);
  io.stdout.write(options.json ? `${JSON.stringify(state, null, 2)}\n` : formatState(state));
  return EXIT.OK;
}

/** The human view of a stream's state; the result is cut to a few lines (`--json` has it all). */
export function formatState(state: StreamState): string {
  const rows: Array<[string, string]> = [
    ['stream', state.stream_id],
    ['task', oneLine(state.task, 100)],
    ['status', describeStatus(state)],
    ['progress', `${state.chunks_completed}/${state.total_chunks} chunks`],
  ];
  const cost = describeCost(state.actual_cost, state.estimated_cost);
  if (cost) rows.push(['cost', cost]);
  rows.push(['created', state.created_at], ['updated', state.updated_at], ['events', String(state.last_event_id)]);
  if (state.error_message) rows.push(['error', oneLine(state.error_message, 200)]);
  if (state.result) {
    const lines = state.result.split('\n');
    const shown = lines.slice(0, RESULT_PREVIEW_LINES).join('\n          ');
    const more = lines.length > RESULT_PREVIEW_LINES ? `\n          … ${lines.length - RESULT_PREVIEW_LINES} more lines (--json for all)` : '';
    rows.push(['result', shown + more]);
  }
  return `${rows.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n')}\n`;
}

const RESULT_PREVIEW_LINES = 8;

function describeStatus(state: StreamState): string {
  if (state.status === 'running' && state.current_agent) return `running (${state.current_agent})`;
  return state.status;
}

function describeCost(actual: number | null, estimated: number | null): string | undefined {
  if (actual === null && estimated === null) return undefined;
  const a = actual === null ? 'unknown' : `$${actual.toFixed(4)}`;
  return estimated === null ? a : `${a} of ~$${estimated.toFixed(4)} estimated`;
}

/** `text` on one line, whitespace collapsed, cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
