import type { Readable, Writable } from 'node:stream';

/** A writable terminal-ish stream: `isTTY`, `columns` and `rows` exist only on real terminals. */
export type OutputStream = Writable & { isTTY?: boolean; columns?: number; rows?: number };

/**
 * Everything a command needs from the outside world. `main.ts` builds it from `process`; tests build it
 * from buffers, so commands run in-process without spawning.
 */
export interface CliIo {
  /** The arguments after the program name (`process.argv.slice(2)`), e.g. `['run', 'a task']`. */
  argv: string[];
  env: Record<string, string | undefined>;
  /** This process's id (names a `corch serve` instance); tests may leave it out. */
  pid?: number;
  cwd: string;
  stdin: Readable & { isTTY?: boolean };
  stdout: OutputStream;
  stderr: OutputStream;
  /** Subscribes to SIGINT/SIGTERM/SIGHUP/SIGWINCH; returns an unsubscribe function. */
  onSignal(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGWINCH', handler: () => void): () => void;
}
