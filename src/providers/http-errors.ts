import { CorchError } from '../protocol/errors.js';

/** Who we were talking to, for error messages that say what to check. */
export interface ErrorContext {
  /** Display name, e.g. `OpenAI`, `Anthropic`, `OpenRouter`. */
  label: string;
  /** The URL requested (never contains a key). */
  url: string;
  /** Where the key came from, e.g. `OPENAI_API_KEY`; null when the provider needs none. */
  keyHint: string | null;
}

const MAX_VENDOR_MESSAGE_CHARS = 500;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The vendor's own error, as found in bodies and stream payloads of OpenAI, Anthropic, OpenRouter and Ollama. */
export interface VendorError {
  message: string;
  /** `type` or `code`, e.g. `overloaded_error`, `insufficient_quota`, `server_error`. */
  type: string | null;
}

/**
 * Reads `{error: {message, type|code}}` (OpenAI, Anthropic, OpenRouter), `{error: "…"}` (Ollama) or
 * `{message}`; anything else is returned as shortened text.
 */
export function readVendorError(body: unknown): VendorError {
  const shorten = (s: string): string =>
    s.length > MAX_VENDOR_MESSAGE_CHARS ? `${s.slice(0, MAX_VENDOR_MESSAGE_CHARS)}…` : s;
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: shorten(body.trim()), type: null };
    }
  }
  if (isRecord(value)) {
    const error = value.error;
    if (typeof error === 'string') return { message: shorten(error), type: null };
    const source = isRecord(error) ? error : value;
    const message = typeof source.message === 'string' ? source.message : JSON.stringify(source);
    const rawType = source.type ?? source.code;
    const type = typeof rawType === 'string' || typeof rawType === 'number' ? String(rawType) : null;
    return { message: shorten(message), type };
  }
  return { message: shorten(JSON.stringify(value) ?? ''), type: null };
}

/** Vendor error types that mean "busy, try again later" wherever they appear. */
const BUSY_TYPES = new Set(['overloaded_error', 'server_error', 'api_error', 'service_unavailable', '502', '503', '529']);
const RATE_TYPES = new Set(['rate_limit_error', 'rate_limit_exceeded', '429']);

/**
 * Maps an HTTP error status to a CorchError; `retryable` marks what the retry loop may try again
 * (429 and 5xx, including Anthropic's 529 "overloaded").
 */
export function errorFromStatus(status: number, body: string, ctx: ErrorContext, retryAfterMs?: number): CorchError {
  const vendor = readVendorError(body);
  const said = vendor.message === '' ? '' : `: ${vendor.message}`;
  const details = { status, url: ctx.url, vendor_type: vendor.type, vendor_message: vendor.message };
  const where = `${ctx.label} at ${ctx.url}`;
  if (status === 401 || status === 403) {
    const check = ctx.keyHint === null ? 'check the server’s access settings' : `check ${ctx.keyHint}`;
    return new CorchError('E_PROVIDER_AUTH', `${where} rejected the request (${status})${said} — ${check}`, {
      status,
      details,
    });
  }
  if (status === 402) {
    return new CorchError('E_PROVIDER_AUTH', `${where} says the account has no credit left (402)${said}`, { status, details });
  }
  if (status === 429) {
    // A used-up quota looks like a rate limit but waiting does not help.
    const quota = vendor.type === 'insufficient_quota';
    return new CorchError('E_PROVIDER_RATE_LIMIT', `${where} is rate limiting requests (429)${said}`, {
      status,
      retryable: !quota,
      details: { ...details, retry_after_ms: retryAfterMs ?? null },
    });
  }
  if (status === 400 || status === 404 || status === 413 || status === 422) {
    return new CorchError('E_PROVIDER_BAD_REQUEST', `${where} refused the request (${status})${said}`, { status, details });
  }
  if (status === 408 || status === 409 || status >= 500) {
    return new CorchError('E_PROVIDER_UNAVAILABLE', `${where} is unavailable (${status})${said}`, {
      status,
      retryable: true,
      details: { ...details, retry_after_ms: retryAfterMs ?? null },
    });
  }
  return new CorchError('E_PROVIDER_UNKNOWN', `${where} answered with an unexpected status ${status}${said}`, {
    status,
    details,
  });
}

/**
 * Maps an error payload that arrived inside a 200 stream. Before the first token a busy or rate-limit
 * error is reported like its HTTP twin so the retry loop can try again; after it, the stage fails with
 * E_PROVIDER_STREAM (the text already streamed stays with the caller).
 */
export function errorFromStreamPayload(payload: unknown, ctx: ErrorContext, beforeFirstToken: boolean): CorchError {
  const vendor = readVendorError(payload);
  const type = vendor.type ?? 'error';
  const busy = BUSY_TYPES.has(type);
  const rate = RATE_TYPES.has(type);
  const details = { url: ctx.url, vendor_type: vendor.type, vendor_message: vendor.message };
  if (beforeFirstToken && (busy || rate)) {
    return new CorchError(
      rate ? 'E_PROVIDER_RATE_LIMIT' : 'E_PROVIDER_UNAVAILABLE',
      `${ctx.label} at ${ctx.url} reported ${type} before any text: ${vendor.message}`,
      { retryable: true, details },
    );
  }
  return new CorchError('E_PROVIDER_STREAM', `${ctx.label} at ${ctx.url} reported ${type} mid-stream: ${vendor.message}`, {
    retryable: busy || rate,
    details,
  });
}
