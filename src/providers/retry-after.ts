/**
 * Reads how long a server asked us to wait before retrying, in milliseconds, or undefined when it did not
 * say (or said something unreadable).
 *
 * `retry-after-ms` (sent by OpenAI) is preferred for its precision; `Retry-After` is either delay-seconds
 * or an HTTP date (RFC 9110 §10.2.3). A date in the past means "now" (0).
 */
export function parseRetryAfter(headers: Headers, nowMs: number): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
