import type { CliIo } from './io.js';
import { runMain } from './program.js';
import { reportError } from './report-error.js';

/** Signals a command can take over; see {@link processIo}. */
const OWNED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Builds the CLI's io from `process`: the only place (with the commands it runs) that touches it.
 *
 * A command that takes a signal owns it. Some dependencies hook signals when they are loaded — when-exit
 * (through conf's atomically) catches the first SIGINT/SIGTERM/SIGHUP and raises it again with
 * `process.kill(self)`, so one Ctrl-C would reach the command twice, the echo late enough under load to
 * count as a second press. So when a command subscribes to one of these signals, every listener added to it
 * since this io was built, other than the command's own, is removed: the signal arrives once. (Their
 * exit-time cleanup still runs: it hangs on the `exit` event, which the command's own exit fires.)
 */
export function processIo(argv: string[] = process.argv.slice(2)): CliIo {
  const before = new Map(OWNED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const ours = new Set<NodeJS.SignalsListener>();
  const takeOver = (signal: NodeJS.Signals): void => {
    const kept = before.get(signal as (typeof OWNED_SIGNALS)[number]);
    if (!kept) return;
    for (const listener of process.listeners(signal)) {
      if (!kept.has(listener) && !ours.has(listener)) process.off(signal, listener);
    }
  };
  return {
    argv,
    env: process.env,
    pid: process.pid,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal(signal, handler) {
      takeOver(signal);
      const listener = (): void => handler();
      ours.add(listener);
      process.on(signal, listener);
      return () => {
        ours.delete(listener);
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

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
