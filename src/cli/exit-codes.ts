/** Process exit codes; documented in `--help` and the README. */
export const EXIT = {
  /** The run completed (or the command did what it was asked). */
  OK: 0,
  /** The run ended with `task_error` (a stage failed, a budget was exceeded, …). */
  RUN_FAILED: 1,
  /** Bad usage: unknown flag or value, missing task, a context that is not a JSON object. */
  USAGE: 2,
  /** The run was cancelled (Ctrl-C, `corch cancel`, or the server shut down). */
  CANCELLED: 3,
  /** The server could not be reached, or refused the API key. */
  UNREACHABLE: 4,
  /** `--timeout` elapsed before the run ended (`run` cancelled it; `attach` stopped watching). */
  TIMEOUT: 5,
  /** `attach` stopped watching on Ctrl-C (or SIGTERM, SIGHUP); the run goes on. 128 + SIGINT, as shells report it. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
