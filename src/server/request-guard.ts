import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { CorchError } from '../protocol/errors.js';

/**
 * Which `Host` and `Origin` values a server answers (DESIGN §9). Built once per server by
 * {@link createHostPolicy}.
 */
export interface HostPolicy {
  /** Lower-case host names (no port) answered besides loopback names and the socket's own address. */
  readonly hosts: ReadonlySet<string>;
  /** Every host is answered (`--allowed-host '*'`, e.g. behind a proxy that checks it). */
  readonly anyHost: boolean;
  /** `--cors-origin`: `*` or the origins other than the server's own that may call it. */
  readonly origins: ReadonlySet<string>;
  readonly anyOrigin: boolean;
}

/**
 * The policy for a server listening on `listenHost`, with `--allowed-host` values (names, `*`) and the
 * `--cors-origin` value (`*` or comma-separated origins).
 */
export function createHostPolicy(listenHost: string, allowedHosts: readonly string[], corsOrigin: string | undefined): HostPolicy {
  const hosts = new Set<string>();
  const listen = normaliseHost(listenHost);
  // A wildcard address is not a name a client uses; requests to it carry the interface's own address.
  if (listen !== '0.0.0.0' && listen !== '::') hosts.add(listen);
  let anyHost = false;
  for (const entry of allowedHosts) {
    const host = normaliseHost(entry);
    if (host === '*') anyHost = true;
    else if (host !== '') hosts.add(host);
  }
  const originList = (corsOrigin ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return { hosts, anyHost, origins: new Set(originList.filter((o) => o !== '*')), anyOrigin: originList.includes('*') };
}

/**
 * The request target as a URL (path and query are what routing reads). Absolute-form targets
 * (`GET http://host/path`) are accepted as HTTP/1.1 requires, and their authority is what the Host check
 * then reads; anything unparsable is a 400, never a 500.
 */
export function requestTarget(req: IncomingMessage): { url: URL; authority: string | undefined } {
  const raw = req.url ?? '/';
  if (raw.startsWith('/')) {
    try {
      return { url: new URL(raw, 'http://localhost'), authority: undefined };
    } catch {
      // falls through to the 400 below
    }
  } else if (/^https?:\/\//i.test(raw)) {
    try {
      const url = new URL(raw);
      return { url, authority: url.host };
    } catch {
      // falls through to the 400 below
    }
  }
  throw new CorchError(
    'E_BAD_REQUEST',
    `the request target must be a path such as /api/streams, got ${JSON.stringify(raw.slice(0, 80))}`,
    { status: 400 },
  );
}

/**
 * Refuses a request whose `Host` (or absolute-form authority) is not this server's: a loopback name or
 * address, the address it listens on or the socket's local address, or an `--allowed-host`. This is what
 * stops DNS rebinding: a page on `attacker.example` whose name now resolves to 127.0.0.1 still sends
 * `Host: attacker.example`. Returns the host as sent, for the same-origin check.
 */
export function checkHost(req: IncomingMessage, authority: string | undefined, policy: HostPolicy): string {
  const sent = authority ?? req.headers.host;
  if (sent === undefined || sent.trim() === '') {
    throw new CorchError('E_BAD_REQUEST', 'the request has no Host header; HTTP/1.1 requires one', { status: 400 });
  }
  if (policy.anyHost) return sent;
  const host = normaliseHost(hostPart(sent));
  if (isLoopbackName(host) || policy.hosts.has(host)) return sent;
  const local = req.socket.localAddress;
  if (local !== undefined && isIP(host) !== 0 && unmapped(normaliseHost(local)) === unmapped(host)) return sent;
  throw new CorchError(
    'E_FORBIDDEN_HOST',
    `this server does not answer requests for host "${host.slice(0, 100)}"; if that name is really this server, start it with --allowed-host ${host.slice(0, 100)}`,
    { status: 403 },
  );
}

/**
 * Refuses a request carrying an `Origin` that is neither the server's own (`http(s)://` + the Host it was
 * sent to) nor allowed by `--cors-origin`, on every route, preflights included. Browsers send `Origin` on
 * every cross-origin request (and on same-origin POSTs), including `no-cors` ones that need no preflight.
 */
export function checkOrigin(req: IncomingMessage, host: string, policy: HostPolicy): void {
  const origin = req.headers.origin;
  if (origin === undefined || policy.anyOrigin) return;
  if (policy.origins.has(origin)) return;
  const lowered = origin.toLowerCase();
  if (lowered === `http://${host.toLowerCase()}` || lowered === `https://${host.toLowerCase()}`) return;
  throw new CorchError(
    'E_FORBIDDEN_ORIGIN',
    `requests from pages on ${JSON.stringify(origin.slice(0, 100))} are refused; to let that site call this server, start it with --cors-origin ${origin.slice(0, 100)}`,
    { status: 403 },
  );
}

/**
 * Refuses a POST body that is not declared as JSON. Browsers send `text/plain`, form or multipart bodies
 * cross-origin without a preflight; a JSON API that only takes `application/json` never acts on those.
 * A bodyless POST (cancel) needs no type.
 */
export function checkJsonBody(req: IncomingMessage): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') return;
  throw new CorchError(
    'E_UNSUPPORTED_MEDIA_TYPE',
    `send the body as JSON with "Content-Type: application/json", got ${type === '' ? 'no Content-Type' : JSON.stringify(type.slice(0, 60))}`,
    { status: 415 },
  );
}

/** Whether `host` (normalised, no port) names this machine's loopback interface. */
export function isLoopbackName(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host.startsWith('::ffff:127.');
  return false;
}

/** `Host` without its port: `[::1]:8000` → `[::1]`, `example.test:80` → `example.test`. */
function hostPart(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end === -1 ? trimmed : trimmed.slice(0, end + 1);
  }
  const colon = trimmed.lastIndexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

/** An IPv4 address as a dual-stack socket reports it (`::ffff:10.0.0.2`) compared as itself. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Lower case, no brackets around IPv6, no trailing dot. */
function normaliseHost(value: string): string {
  let host = value.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}
