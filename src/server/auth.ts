import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether the request carries `apiKey`, as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 * Both sides are hashed first so the comparison is constant-time whatever the lengths: comparing the raw
 * strings would leak the key's length and, byte by byte, its prefix.
 */
export function isAuthorized(headers: IncomingHttpHeaders, apiKey: string): boolean {
  const expected = digest(apiKey);
  let ok = false;
  for (const candidate of presentedKeys(headers)) {
    // No early exit: every presented key is compared.
    if (timingSafeEqual(digest(candidate), expected)) ok = true;
  }
  return ok;
}

function presentedKeys(headers: IncomingHttpHeaders): string[] {
  const keys: string[] = [];
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) keys.push(match[1].trim());
  }
  const apiKeyHeader = headers['x-api-key'];
  for (const value of Array.isArray(apiKeyHeader) ? apiKeyHeader : apiKeyHeader ? [apiKeyHeader] : []) {
    keys.push(value.trim());
  }
  return keys;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
