import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type CorchEvent, CorchError, isEventName } from '../protocol/index.js';

/** An NDJSON log written as events arrive: each `write` puts one complete line on disk. */
export interface EventLog {
  readonly path: string;
  write(event: CorchEvent): void;
  close(): void;
}

export interface EventLogContents {
  events: CorchEvent[];
  /** The last line was cut off (a run killed mid-write) and was skipped. */
  truncatedLastLine: boolean;
}

/** The line for one event: `{"event": name, "data": payload}`, the same as `--progress json` prints. */
export function eventLine(event: CorchEvent): string {
  return `${JSON.stringify({ event: event.event, data: event.data })}\n`;
}

/**
 * Creates (truncates) `path` and returns a writer. Writes are synchronous, one `write(2)` per line: when `write`
 * returns the line is in the kernel, so a killed process still leaves whole lines. Failures are `E_IO`.
 */
export function createEventLog(path: string): EventLog {
  let fd: number | null;
  try {
    fd = openSync(path, 'w');
  } catch (cause) {
    throw new CorchError('E_IO', `cannot write --events file ${path}: ${(cause as Error).message}`, { cause });
  }
  return {
    path,
    write(event) {
      if (fd === null) return;
      try {
        writeSync(fd, eventLine(event));
      } catch (cause) {
        throw new CorchError('E_IO', `cannot write --events file ${path}: ${(cause as Error).message}`, { cause });
      }
    },
    close() {
      if (fd === null) return;
      closeSync(fd);
      fd = null;
    },
  };
}

function toEvent(value: unknown): CorchEvent | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'expected an object {"event", "data"}';
  const { event, data } = value as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || !isEventName(event)) return `unknown event ${JSON.stringify(event)}`;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return `"data" of ${event} must be an object`;
  return { event, data } as CorchEvent;
}

/** What to pass instead of a file that is not an event log. */
const EVENT_LOG_HINT = 'pass a log written by `corch run --events FILE` (or `--progress json`)';

/**
 * Parses NDJSON text; `name` is used in messages ("events.ndjson:12: …"). Blank lines are skipped. A file
 * whose first line is not an event is not an event log at all, and the error says so.
 */
export function parseEventLog(text: string, name: string): EventLogContents {
  const lines = text.split('\n');
  const events: CorchEvent[] = [];
  let truncatedLastLine = false;
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const isLast = index === lines.length - 1; // no newline after it: it may have been cut off
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      if (events.length === 0) throw new CorchError('E_IO', `${name} is not a corch event log (line ${index + 1} is not JSON); ${EVENT_LOG_HINT}`, { cause });
      if (isLast) {
        truncatedLastLine = true;
        continue;
      }
      throw new CorchError('E_IO', `${name}:${index + 1}: not a JSON line (${(cause as Error).message})`, { cause });
    }
    const event = toEvent(parsed);
    if (typeof event === 'string') {
      if (events.length === 0) throw new CorchError('E_IO', `${name} is not a corch event log (line ${index + 1}: ${event}); ${EVENT_LOG_HINT}`);
      throw new CorchError('E_IO', `${name}:${index + 1}: ${event}`);
    }
    events.push(event);
  }
  return { events, truncatedLastLine };
}

/** Reads a log written by {@link createEventLog} (or `--progress json`) for `corch replay`. */
export async function readEventLog(path: string): Promise<EventLogContents> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CorchError('E_IO', `cannot read events file ${path}: ${(cause as Error).message}`, { cause });
  }
  return parseEventLog(text, path);
}
