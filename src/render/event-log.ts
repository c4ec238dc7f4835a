import type { CorchEvent } from '../protocol/index.js';

/** An NDJSON log written as events arrive: each `write` is one complete line on disk. */
export interface EventLog {
  readonly path: string;
  write(event: CorchEvent): void;
  close(): void;
}

export interface EventLogContents {
  events: CorchEvent[];
  /** The last line was cut off (a killed run) and was skipped. */
  truncatedLastLine: boolean;
}

/** Creates (truncates) `path` and returns a writer. Failures are `CorchError` `E_IO` naming the path. */
export function createEventLog(path: string): EventLog {
  throw new Error(`not implemented yet: ${path}`);
}

/** Parses NDJSON text; `name` is used in messages ("events.ndjson:12: …"). */
export function parseEventLog(text: string, name: string): EventLogContents {
  throw new Error(`not implemented yet: ${name} ${text.length}`);
}

/** Reads a log written by {@link createEventLog} (or `--progress json`) for `corch replay`. */
export async function readEventLog(path: string): Promise<EventLogContents> {
  throw new Error(`not implemented yet: ${path}`);
}
