import { isCorchError } from '../protocol/errors.js';
import { isCliError } from './cli-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

/** What to do next, by error code, for messages that say only what went wrong (the client's 401 and
 * unreachable messages already say what to do). */
const NEXT_STEP: Record<string, string> = {
  E_NOT_FOUND: 'check the stream id (`corch status <id>`); finished streams are kept for the server’s --ttl only',
  E_TOO_MANY_STREAMS: 'wait for a run to finish, or cancel one with `corch cancel <id>`',
};

/**
 * Prints an error as one line (plus the usage hint for usage errors) and returns the exit code.
 * Stack traces appear only with `CORCH_DEBUG=1`, for bug reports.
 */
export function reportError(error: unknown, io: CliIo, usage?: string): ExitCode {
  const err = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  const debug = io.env.CORCH_DEBUG !== undefined && io.env.CORCH_DEBUG !== '' && io.env.CORCH_DEBUG !== '0';

  if (isCliError(error)) {
    err(`corch: ${error.message}`);
    if (error.usage && usage !== undefined) {
      err(`Usage: ${usage}`);
      err(`Run '${usage.split(' [')[0]?.split(' <')[0]} --help' for the options.`);
    }
    if (debug && error.stack) err(error.stack);
    return error.exitCode;
  }
  if (isCorchError(error)) {
    const next = NEXT_STEP[error.code];
    const message = next !== undefined && !error.message.includes(next) ? `${error.message}; ${next}` : error.message;
    err(`corch: ${message}`);
    if (debug && error.stack) err(error.stack);
    return exitCodeFor(error.code, error.status);
  }
  // Anything else is a bug: still one line by default, the stack when asked for.
  const message = error instanceof Error ? error.message : String(error);
  err(`corch: unexpected error: ${message} (run again with CORCH_DEBUG=1 for details, and please report it)`);
  if (debug && error instanceof Error && error.stack) err(error.stack);
  return EXIT.RUN_FAILED;
}

/** Exit code for an error code coming from the client or the server. */
export function exitCodeFor(code: string, status?: number): ExitCode {
  switch (code) {
    case 'E_UNREACHABLE':
    case 'E_UNAUTHORIZED':
      return EXIT.UNREACHABLE;
    case 'E_USAGE':
    case 'E_CONFIG':
    case 'E_INVALID_REQUEST':
    case 'E_INVALID_JSON':
      return EXIT.USAGE;
    case 'E_CANCELLED':
    case 'E_SHUTDOWN':
      return EXIT.CANCELLED;
    default:
      return status === 401 || status === 403 ? EXIT.UNREACHABLE : EXIT.RUN_FAILED;
  }
}
