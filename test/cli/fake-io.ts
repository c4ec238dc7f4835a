import { PassThrough, Writable } from 'node:stream';
import type { CliIo, OutputStream } from '../../src/cli/io.js';

/** A buffered output stream; `isTTY`/`columns` only when asked for, like a real pipe or terminal. */
export class BufferStream extends Writable {
  text = '';
  isTTY?: boolean;
  columns?: number;
  rows?: number;

  constructor(tty?: { columns: number; rows: number }) {
    super();
    if (tty) {
      this.isTTY = true;
      this.columns = tty.columns;
      this.rows = tty.rows;
    }
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface FakeIo extends CliIo {
  stdout: BufferStream & OutputStream;
  stderr: BufferStream & OutputStream;
  /** Delivers a signal to the handlers the command subscribed. */
  signal(name: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGWINCH'): void;
  /** How many handlers are still subscribed (a command must unsubscribe on the way out). */
  listeners(): number;
}

/**
 * In-process io for command tests: argv after the program name, a private env, buffers for output. The
 * stage cache is off unless the env names a cache directory, so no test reads or writes the user's cache.
 */
export function fakeIo(argv: string[], env: Record<string, string | undefined> = {}, options: { tty?: boolean; cwd?: string } = {}): FakeIo {
  if (env.CORCH_CACHE_DIR === undefined && env.CORCH_CACHE === undefined) env.CORCH_CACHE = 'off';
  const handlers = new Map<string, Set<() => void>>();
  const size = { columns: 100, rows: 30 };
  return {
    argv,
    env,
    cwd: options.cwd ?? process.cwd(),
    stdin: new PassThrough(),
    stdout: new BufferStream(options.tty ? size : undefined),
    stderr: new BufferStream(options.tty ? size : undefined),
    onSignal(signal, handler) {
      const set = handlers.get(signal) ?? new Set();
      set.add(handler);
      handlers.set(signal, set);
      return () => {
        set.delete(handler);
      };
    },
    signal(name) {
      for (const handler of [...(handlers.get(name) ?? [])]) handler();
    },
    listeners() {
      let n = 0;
      for (const set of handlers.values()) n += set.size;
      return n;
    },
  };
}
