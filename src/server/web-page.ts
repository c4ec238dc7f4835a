import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CorchError } from '../protocol/errors.js';

/** One file of the built page: its content type and text. */
export interface WebAsset {
  readonly type: string;
  readonly body: string;
}

/** The built page by URL path (`/index.html`, `/assets/index-3f2a.js`, …), as `#web-assets` exports it. */
export type WebAssets = Readonly<Record<string, WebAsset>>;

/**
 * Nothing but the page's own files and its own API: no inline script or style, no other origin, no
 * framing, no form posted anywhere. The page builds every element with the DOM API, so it needs no more.
 */
export const WEB_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Hashed file names never change content: cache them for a year. The HTML names them, so it is never cached. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Bodies smaller than this are sent as they are: gzip would save less than its own headers. */
const GZIP_MIN_BYTES = 1024;

const gzipped = new WeakMap<WebAsset, Buffer>();

/**
 * `GET /`, `GET /runs/{id}` (the page; the run is picked by the page from its URL) and `GET /assets/…`.
 * Open without the API key: the page holds no data, and it is what asks the user for the key.
 */
export function handleWebPage(
  assets: WebAssets | undefined,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (!assets) {
    throw new CorchError('E_NOT_FOUND', 'this server has no web page (it was started with --no-ui)', { status: 404 });
  }
  const isAsset = pathname.startsWith('/assets/');
  const asset = isAsset ? assets[pathname] : assets['/index.html'];
  if (!asset) throw new CorchError('E_NOT_FOUND', `no file ${pathname} in the web page`, { status: 404 });

  const raw = Buffer.from(asset.body, 'utf8');
  const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = acceptsGzip && raw.length >= GZIP_MIN_BYTES ? gzipOf(asset, raw) : raw;
  res.writeHead(200, {
    'Content-Type': asset.type,
    'Content-Length': body.length,
    'Cache-Control': isAsset ? IMMUTABLE : 'no-cache',
    'Content-Security-Policy': WEB_PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    Vary: 'Accept-Encoding',
    ...(body === raw ? {} : { 'Content-Encoding': 'gzip' }),
  });
  res.end(body);
}

function gzipOf(asset: WebAsset, raw: Buffer): Buffer {
  let body = gzipped.get(asset);
  if (!body) {
    body = gzipSync(raw, { level: 9 });
    gzipped.set(asset, body);
  }
  return body;
}
