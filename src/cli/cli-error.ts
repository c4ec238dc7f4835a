import { CorchError, type ErrorCode } from '../protocol/errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * An error the user can act on: printed as one line (never a stack trace) and mapped to an exit code.
 * `usage` adds the command's usage hint under the message.
 */
export class CliError extends CorchError {
  readonly exitCode: ExitCode;
  readonly usage: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { exitCode: ExitCode; usage?: boolean; cause?: unknown },
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode;
    this.usage = options.usage ?? false;
  }
}

/** Bad usage: a wrong flag value, a missing argument. Printed with the usage hint; exits USAGE. */
export function usageError(message: string): CliError {
  return new CliError('E_USAGE', message, { exitCode: EXIT.USAGE, usage: true });
}

/** A config file or key problem; exits USAGE without the command's usage (the fix is in the config). */
export function configError(message: string, cause?: unknown): CliError {
  return new CliError('E_CONFIG', message, { exitCode: EXIT.USAGE, cause });
}

/** A file that could not be read or written; exits RUN_FAILED. */
export function ioError(message: string, cause?: unknown): CliError {
  return new CliError('E_IO', message, { exitCode: EXIT.RUN_FAILED, cause });
}

/** The server is not there, or refused the API key; exits UNREACHABLE. */
export function cannotReachError(message: string, cause?: unknown): CliError {
  return new CliError('E_UNREACHABLE', message, { exitCode: EXIT.UNREACHABLE, cause });
}

export function isCliError(value: unknown): value is CliError {
  return value instanceof CliError;
}
