import { CorchError, type ErrorCode } from '../protocol/index.js';

/** Network error codes that mean "nobody answered at that address". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The first `code` string found on an error or its `cause` chain (undici wraps socket errors in `fetch failed`). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `error` comes from the network rather than from our own code. */
export function isNetworkError(error: unknown): boolean {
  const code = networkErrorCode(error);
  if (code !== undefined && (UNREACHABLE_CODES.has(code) || code.startsWith('UND_ERR'))) return true;
  // undici's generic wrapper, and a body stream cut off by the peer.
  return error instanceof TypeError && /fetch failed|terminated|network/i.test(error.message);
}

/** Short reason for notices: "ECONNREFUSED", "socket closed", … */
export function describeNetworkError(error: unknown): string {
  const code = networkErrorCode(error);
  if (code !== undefined) return code;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function unreachableError(baseUrl: string, cause: unknown): CorchError {
  return new CorchError(
    'E_UNREACHABLE',
    `cannot reach the corch server at ${baseUrl} (${describeNetworkError(cause)}): is \`corch serve\` running there? ` +
      'Set --base-url or CORCH_BASE_URL to its address, or leave both unset to run an embedded server.',
    { cause, retryable: true },
  );
}

/** Server codes are E_UPPER_SNAKE; anything else is reported as an internal error rather than trusted. */
function toErrorCode(code: unknown): ErrorCode | undefined {
  // The server may know codes this client does not; they are kept as sent (the union is the documented subset).
  return typeof code === 'string' && /^E_[A-Z0-9_]+$/.test(code) ? (code as ErrorCode) : undefined;
}

function serverError(body: unknown): { code: ErrorCode | undefined; message: string | undefined } {
  if (body === null || typeof body !== 'object') return { code: undefined, message: undefined };
  const error = (body as { error?: unknown }).error;
  if (error === null || typeof error !== 'object') return { code: undefined, message: undefined };
  const { code, message } = error as { code?: unknown; message?: unknown };
  return { code: toErrorCode(code), message: typeof message === 'string' ? message : undefined };
}

/** Maps a non-2xx answer to a `CorchError`: 401 and 404 get messages saying what to do; others keep the server's. */
export async function errorFromResponse(
  response: Response,
  context: { baseUrl: string; what: string; apiKeySent: boolean },
): Promise<CorchError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const server = serverError(body);
  const status = response.status;
  if (status === 401 || status === 403) {
    const hint = context.apiKeySent
      ? 'the API key was refused: check --api-key, CORCH_API_KEY or `corch config set api-key`'
      : 'it needs an API key: pass --api-key, set CORCH_API_KEY, or `corch config set api-key <key>`';
    return new CorchError('E_UNAUTHORIZED', `the corch server at ${context.baseUrl} answered ${status}: ${hint}`, {
      status,
      details: server.message ?? null,
    });
  }
  if (status === 404) {
    return new CorchError('E_NOT_FOUND', server.message ?? `${context.what}: not found on ${context.baseUrl} (404)`, {
      status,
    });
  }
  const code = server.code ?? (status >= 500 ? 'E_INTERNAL' : 'E_INVALID_REQUEST');
  const message = server.message ?? `${context.what}: the server answered ${status} ${response.statusText}`.trim();
  return new CorchError(code, message, { status, retryable: status >= 500 || status === 429 });
}
