import type { StoredEvent, StoredEventName } from '../protocol/events.js';
import type { StoredEntry } from './stream-store.js';
import { encodeTextFrame } from './ws-frame.js';

const DATA_FIELD = '\ndata: ';
/** The blank line that ends every SSE frame. */
const FRAME_END = '\n\n';

/**
 * A {@link StoredEntry}: the event's JSON, with its SSE frame and its WebSocket frame each built the first
 * time a reader asks for it and kept, so a frame is built once per event, never once per subscriber.
 *
 * Memory: once the SSE frame exists, the JSON is not kept beside it (it is the middle of the frame, and is
 * sliced out of it when asked for, without copying), so an SSE-only log costs one string per event, as
 * before. The WebSocket frame is a Buffer, built only when a WebSocket reader reads the entry.
 *
 * Any store may build these from what it keeps (a remote store keeps the JSON): `new LogEntry(seq, name,
 * json)`. To build each frame once per event per process, a remote store hands out the same object for the
 * same seq while it is cached (the entries of its latest batches, say).
 */
export class LogEntry implements StoredEntry {
  readonly seq: number;
  readonly name: StoredEventName;
  #json: string | undefined;
  #frame: string | undefined;
  #wsFrame: Buffer | undefined;

  /** `json` is the event's `data` as one line of JSON (what `JSON.stringify` returns). */
  constructor(seq: number, name: StoredEventName, json: string) {
    this.seq = seq;
    this.name = name;
    this.#json = json;
    this.#frame = undefined;
    this.#wsFrame = undefined;
  }

  get json(): string {
    if (this.#json !== undefined) return this.#json;
    const frame = this.#frame ?? '';
    return frame.slice(frame.indexOf(DATA_FIELD) + DATA_FIELD.length, frame.length - FRAME_END.length);
  }

  get frame(): string {
    if (this.#frame === undefined) {
      this.#frame = flatten(`id: ${this.seq}\nevent: ${this.name}${DATA_FIELD}${this.#json ?? ''}${FRAME_END}`);
      this.#json = undefined;
    }
    return this.#frame;
  }

  get wsFrame(): Buffer {
    this.#wsFrame ??= encodeTextFrame(`{"id":${this.seq},"event":"${this.name}","data":${this.json}}`);
    return this.#wsFrame;
  }

  /** Length of the JSON in UTF-16 units: what a catch-up read counts against its byte bound. */
  get size(): number {
    return this.#json !== undefined ? this.#json.length : (this.#frame ?? '').length;
  }

  get event(): StoredEvent {
    return { event: this.name, data: JSON.parse(this.json) } as StoredEvent;
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
