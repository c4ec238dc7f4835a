/**
 * One error type for the whole project. `code` is stable (E_UPPER_SNAKE) and travels on the wire in
 * `{"error": {"code", "message"}}` bodies and `task_error.code`; `message` says what was wrong and what to do.
 */
export type ErrorCode =
  // request validation and HTTP (server)
  | 'E_INVALID_JSON'
  | 'E_INVALID_REQUEST'
  | 'E_BAD_REQUEST'
  | 'E_HEADERS_TOO_LARGE'
  | 'E_REQUEST_TIMEOUT'
  | 'E_EXPECTATION_FAILED'
  | 'E_UNSUPPORTED_MEDIA_TYPE'
  | 'E_FORBIDDEN_HOST'
  | 'E_FORBIDDEN_ORIGIN'
  | 'E_PAYLOAD_TOO_LARGE'
  | 'E_NOT_FOUND'
  | 'E_METHOD_NOT_ALLOWED'
  | 'E_UNAUTHORIZED'
  | 'E_TOO_MANY_STREAMS'
  | 'E_TOO_MANY_CONNECTIONS'
  | 'E_STORE_FULL'
  | 'E_LOG_TOO_LARGE'
  | 'E_INTERNAL'
  /** The stream store (Redis) cannot be reached. */
  | 'E_STORE_UNAVAILABLE'
  // how a run ends (task_error.code)
  | 'E_CANCELLED'
  | 'E_SHUTDOWN'
  | 'E_RUN_FAILED'
  | 'E_TIME_BUDGET'
  | 'E_STAGE_TIMEOUT'
  | 'E_COST_BUDGET'
  /** The run's server stopped answering and no other instance could continue the run. */
  | 'E_SERVER_LOST'
  // providers
  | 'E_PROVIDER_AUTH'
  | 'E_PROVIDER_RATE_LIMIT'
  | 'E_PROVIDER_UNAVAILABLE'
  | 'E_PROVIDER_BAD_REQUEST'
  | 'E_PROVIDER_STREAM'
  | 'E_PROVIDER_TIMEOUT'
  | 'E_PROVIDER_UNKNOWN'
  | 'E_SIMULATED_FAILURE'
  // client and CLI
  | 'E_UNREACHABLE'
  | 'E_BAD_RESPONSE'
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_IO';

export interface CorchErrorOptions {
  cause?: unknown;
  /** Whether trying the same thing again could succeed. */
  retryable?: boolean;
  /** HTTP status to answer with, when this error ends an HTTP request. */
  status?: number;
  /** Extra structured detail (goes to `task_error.details`). */
  details?: string | Record<string, unknown> | null;
}

export class CorchError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly details: string | Record<string, unknown> | null;

  constructor(code: ErrorCode, message: string, options: CorchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CorchError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    this.details = options.details ?? null;
  }
}

export function isCorchError(value: unknown): value is CorchError {
  return value instanceof CorchError;
}

/** The JSON body of every HTTP error response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}
