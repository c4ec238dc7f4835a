import type { StoredEvent, StoredEventName } from '../protocol/events.js';
import type { StoredEntry } from './stream-store.js';

const DATA_FIELD = '\ndata: ';
/** The blank line that ends every frame. */
const FRAME_END_LENGTH = 2;

/**
 * A {@link StoredEntry} as the memory store keeps it: three fields, with `event` a getter on the prototype
 * (decoded from the frame when asked for), so an entry costs one small object plus its frame.
 */
export class LogEntry implements StoredEntry {
  readonly seq: number;
  readonly name: StoredEventName;
  readonly frame: string;

  constructor(seq: number, name: StoredEventName, frame: string) {
    this.seq = seq;
    this.name = name;
    this.frame = frame;
  }

  get event(): StoredEvent {
    const start = this.frame.indexOf(DATA_FIELD) + DATA_FIELD.length;
    const data = JSON.parse(this.frame.slice(start, this.frame.length - FRAME_END_LENGTH)) as StoredEvent['data'];
    return { event: this.name, data } as StoredEvent;
  }
}

/**
 * The same text as one flat string. A frame built by concatenation is a V8 rope that keeps its pieces
 * (the JSON, the field names) alive as separate objects: about twice the memory of the flat text for as
 * long as the log is kept. A UTF-8 round trip costs a few hundred ns once per event and leaves one flat
 * string, which every socket write then uses without flattening it again.
 */
export function flatten(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
