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

/** Follows an error's `cause` chain (undici wraps socket errors in `TypeError: fetch failed`), outermost first. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    chain.push(current);
    // Node's "happy eyeballs" connect reports an AggregateError of one error per address tried.
    const errors = (current as { errors?: unknown }).errors;
    const cause = (current as { cause?: unknown }).cause;
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return chain;
}

/** The first `code` string found on an error or its `cause` chain. */
export function networkErrorCode(error: unknown): string | undefined {
  for (const link of causeChain(error)) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Whether `error` comes from the network rather than from our own code. */
export function isNetworkError(error: unknown): boolean {
  const code = networkErrorCode(error);
  if (code !== undefined && (UNREACHABLE_CODES.has(code) || code.startsWith('UND_ERR'))) return true;
  // undici's generic wrapper, and a body stream cut off by the peer; browsers say "Failed to fetch" (Chromium),
  // "NetworkError when attempting to fetch resource" (Firefox), "Load failed" (Safari), "network error" mid-body.
  return error instanceof TypeError && /fetch failed|failed to fetch|load failed|terminated|network/i.test(error.message);
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Short reason for messages and notices: the system's code (`ECONNREFUSED`, `ENOTFOUND`…), "timed out
 * (…)", or the innermost message — never undici's bare "fetch failed", which says nothing.
 */
export function describeNetworkError(error: unknown): string {
  const code = networkErrorCode(error);
  if (code !== undefined) return TIMEOUT_CODES.has(code) ? `timed out (${code})` : code;
  const chain = causeChain(error);
  if (chain.some((link) => link instanceof Error && link.name === 'TimeoutError')) return 'timed out';
  const innermost = chain[chain.length - 1];
  if (innermost instanceof Error) return innermost.message;
  return String(error);
}

/**
 * fetch never connects to ports on the WHATWG "bad ports" list (9, 6000, 6665–6669, 10080…); undici says
 * only "bad port", and "is the server running?" would send the user looking in the wrong place.
 */
function isBadPort(error: unknown): boolean {
  return causeChain(error).some((link) => link instanceof Error && link.message === 'bad port');
}

/**
 * The server at `baseUrl` did not answer. The message says why (from the socket error) and nothing about
 * flags or config: callers know how the URL was chosen and add their own advice (the CLI does, per command).
 * `details` carries `base_url` and `reason` for them.
 */
export function serverUnreachableError(baseUrl: string, cause: unknown): CorchError {
  const reason = describeNetworkError(cause);
  const details = { base_url: baseUrl, reason };
  if (isBadPort(cause)) {
    const port = portOf(baseUrl);
    return new CorchError(
      'E_UNREACHABLE',
      `cannot reach the corch server at ${baseUrl}: fetch refuses to connect to port ${port}, one of the ports browsers block; run the server on another port`,
      { cause, retryable: false, details: { ...details, reason: `bad port ${port}` } },
    );
  }
  return new CorchError('E_UNREACHABLE', `cannot reach the corch server at ${baseUrl} (${reason}): is \`corch serve\` running there?`, {
    cause,
    retryable: true,
    details,
  });
}

function portOf(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return '?';
  }
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

/**
 * Maps a non-2xx answer to a `CorchError`: 401/403 say whether a key was sent (how to send one is the
 * caller's advice to give), 404 names what was missing; others keep the server's message.
 */
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
    const what = context.apiKeySent ? 'the API key was refused' : 'it needs an API key';
    return new CorchError('E_UNAUTHORIZED', `the corch server at ${context.baseUrl} answered ${status}: ${what}`, {
      status,
      details: { base_url: context.baseUrl, api_key_sent: context.apiKeySent, server_message: server.message ?? null },
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
