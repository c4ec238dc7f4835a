import type { StreamState } from '../protocol/stream-state.js';
import { formatDuration } from '../render/format.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { connectRemote } from './remote.js';
import { oneLine } from './status-command.js';

export interface ListOptions {
  baseUrl?: string;
  apiKey?: string;
  json?: boolean;
}

/** Longest task shown per line; `--json` has the whole task. */
const TASK_COLUMN_MAX = 60;

/**
 * `corch list [--json]`: the server's streams, newest first — id, status, agent at work, age and task, or
 * the server's states as a JSON array (numbers stay numbers).
 */
export async function listCommand(options: ListOptions, io: CliIo): Promise<number> {
  const { client, baseUrl } = await connectRemote('list', options, io);
  const states = await client.list();
  if (options.json) {
    io.stdout.write(`${JSON.stringify(states, null, 2)}\n`);
    return EXIT.OK;
  }
  if (states.length === 0) {
    io.stderr.write(`no streams on ${baseUrl}; start one with \`corch run --base-url ${baseUrl} "…" --detach\`\n`);
    return EXIT.OK;
  }
  io.stdout.write(formatList(states, Date.now()));
  return EXIT.OK;
}

/** The streams as aligned columns under a header line. */
export function formatList(states: readonly StreamState[], now: number): string {
  const rows = states.map((state) => [
    state.stream_id,
    state.status,
    state.current_agent ?? '-',
    `${formatDuration(Math.max(0, now - Date.parse(state.created_at)))} ago`,
    oneLine(state.task, TASK_COLUMN_MAX),
  ]);
  const table = [['STREAM', 'STATUS', 'AGENT', 'AGE', 'TASK'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return `${table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}
