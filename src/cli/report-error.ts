import { isCorchError } from '../protocol/errors.js';
import { errorOutcome } from '../protocol/outcome.js';
import { isCliError } from './cli-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

/** Where the CLI takes a server's address and key from, for advice that names them all. */
const BASE_URL_SOURCES = '--base-url, CORCH_BASE_URL or `corch config get baseUrl`';
const API_KEY_SOURCES = '--api-key, CORCH_API_KEY or `corch config set apiKey <key>`';

/**
 * What to do next, by error code and by the command that failed: the client's messages say what went
 * wrong, not how this CLI picks a server (only `run` has an embedded server to fall back on).
 */
function nextStep(code: string, command: string | undefined): string | undefined {
  switch (code) {
    case 'E_UNREACHABLE':
      if (command === 'run') {
        return `check ${BASE_URL_SOURCES}, or leave all three unset so run starts its own embedded server`;
      }
      if (command === 'attach' || command === 'status' || command === 'cancel' || command === 'list') {
        return `check ${BASE_URL_SOURCES}: ${command} needs the server that holds the stream`;
      }
      return `check ${BASE_URL_SOURCES}`;
    case 'E_UNAUTHORIZED':
      return `pass the server's key with ${API_KEY_SOURCES}`;
    case 'E_NOT_FOUND':
      return '`corch list` shows the ids of the streams the server holds; finished streams are kept for the server’s --ttl only';
    case 'E_TOO_MANY_STREAMS':
      return 'wait for a run to finish, or cancel one with `corch cancel <id>`';
    default:
      return undefined;
  }
}

/** "…: is it running there?" + "check …" reads as two sentences; anything else takes a semicolon. */
function appendStep(message: string, next: string): string {
  return /[?.!]$/.test(message) ? `${message} ${next.charAt(0).toUpperCase()}${next.slice(1)}` : `${message}; ${next}`;
}

/** The command an error came from (its usage line, for usage errors, and its name, for advice). */
export interface ErrorContext {
  /** `corch run <task> [context-json] [options]` */
  usage?: string | undefined;
  /** `run`, `attach`, `config`…; undefined when the error came from outside a command. */
  command?: string | undefined;
}

/**
 * Prints an error as one line (plus the usage hint for usage errors) and returns the exit code.
 * Stack traces appear only with `CORCH_DEBUG=1`, for bug reports.
 */
export function reportError(error: unknown, io: CliIo, context: ErrorContext = {}): ExitCode {
  const { usage, command } = context;
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
    const next = nextStep(error.code, command);
    const message = next !== undefined && !error.message.includes(next) ? appendStep(error.message, next) : error.message;
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
    case 'E_BAD_RESPONSE':
      return EXIT.UNREACHABLE;
    case 'E_USAGE':
    case 'E_CONFIG':
    case 'E_INVALID_REQUEST':
    case 'E_INVALID_JSON':
      return EXIT.USAGE;
    default:
      if (errorOutcome(code) === 'cancelled') return EXIT.CANCELLED;
      return status === 401 || status === 403 ? EXIT.UNREACHABLE : EXIT.RUN_FAILED;
  }
}
