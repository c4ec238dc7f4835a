import type { CliIo } from './io.js';
import { runMain } from './program.js';
import { reportError } from './report-error.js';

/** Builds the CLI's io from `process`: the only place (with the commands it runs) that touches it. */
export function processIo(argv: string[] = process.argv.slice(2)): CliIo {
  return {
    argv,
    env: process.env,
    pid: process.pid,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal(signal, handler) {
      // Some dependencies (when-exit, loaded by conf's atomically) catch the first SIGINT/SIGTERM and
      // raise it again at once, so one Ctrl-C would reach us twice and count as the second. A repeat
      // within a few milliseconds is that echo, not a person pressing Ctrl-C again.
      let last = Number.NEGATIVE_INFINITY;
      const listener = (): void => {
        const now = performance.now();
        const echo = signal !== 'SIGWINCH' && now - last < SIGNAL_ECHO_WINDOW_MS;
        last = now;
        if (!echo) handler();
      };
      process.on(signal, listener);
      return () => {
        process.off(signal, listener);
      };
    },
  };
}

/**
 * Entry point of the built CLI (bin/corch.mjs imports it). Exits explicitly once the command is done, so
 * a lingering socket or timer cannot keep a finished command alive; output is flushed first.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const io = processIo(argv);
  // Whatever happens (even an uncaught error), never leave the user's terminal without a cursor; the
  // sequence is only written to a terminal, so pipes and CI logs stay free of escape codes.
  process.once('exit', () => {
    if (process.stderr.isTTY) process.stderr.write(SHOW_CURSOR);
  });
  // A stray asynchronous error (a socket event nobody awaited) still gets one line, not a stack trace.
  const crash = (error: unknown): void => {
    process.exit(reportError(error, io));
  };
  // `corch run … | head` closes our stdout early: that is the reader's choice, not an error to report.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    crash(error);
  });
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const code = await runMain(io);
  await flush(process.stdout);
  await flush(process.stderr);
  process.exit(code);
}

export { runMain } from './program.js';

const SHOW_CURSOR = '\u001B[?25h';
/** Signals repeated within this time are one signal raised twice (see processIo). */
const SIGNAL_ECHO_WINDOW_MS = 150;

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
