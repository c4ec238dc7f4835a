import { CorchError } from '../protocol/errors.js';

/** One Redis node. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Where streams are kept, as `--store` / `CORCH_STORE` name it. */
export type StoreSpec =
  | { readonly kind: 'memory'; readonly label: 'memory' }
  | {
      readonly kind: 'redis';
      /** One node, or a Cluster's seed nodes. */
      readonly cluster: boolean;
      readonly nodes: readonly RedisNode[];
      readonly tls: boolean;
      readonly username: string | undefined;
      readonly password: string | undefined;
      /** Database number (0 unless `/N` is given; a Cluster has only 0). */
      readonly db: number;
      /** The URL with its password replaced by `***`: the only form that is ever printed or logged. */
      readonly label: string;
    };

const DEFAULT_REDIS_PORT = 6379;
const MAX_PORT = 65_535;
/** Redis' default `databases` setting. */
const MAX_DB = 15;
const FORMS = 'memory, redis://[user:password@]host[:port][/db], rediss://… (TLS) or redis-cluster://host:port,host:port';

/**
 * Parses a store URL: `memory` (the default), `redis://[user:pass@]host[:port][/db]`, `rediss://…` (TLS),
 * or `redis-cluster://[user:pass@]h1:p1,h2:p2` (a Cluster's seed nodes; `rediss-cluster://` with TLS).
 * Throws CorchError `E_USAGE` saying what is wrong; the message never contains the password.
 */
export function parseStoreUrl(raw: string, source = '--store'): StoreSpec {
  const text = raw.trim();
  if (text === '' || text === 'memory' || text === 'memory://') return { kind: 'memory', label: 'memory' };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined || !['redis', 'rediss', 'redis-cluster', 'rediss-cluster'].includes(scheme)) {
    throw invalid(source, `it must be one of ${FORMS}`, text);
  }
  const cluster = scheme.endsWith('-cluster');
  const tls = scheme.startsWith('rediss');
  const rest = text.slice(scheme.length + 3);
  // The credentials end at the last '@' (a password may itself contain '@' when not percent-encoded).
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : undefined;
  const hostPart = at >= 0 ? rest.slice(at + 1) : rest;
  const { username, password } = credentials(userinfo, source, text);
  const slash = hostPart.indexOf('/');
  const hosts = slash >= 0 ? hostPart.slice(0, slash) : hostPart;
  const path = slash >= 0 ? hostPart.slice(slash + 1) : '';
  if (/[?#]/.test(path) || /[?#]/.test(hosts)) throw invalid(source, 'query strings and fragments are not supported', text);
  const nodes = hosts.split(',').map((item) => node(item.trim(), source, text));
  if (!cluster && nodes.length > 1) {
    throw invalid(source, 'several hosts need redis-cluster:// (a Redis Cluster); redis:// takes one', text);
  }
  let db = 0;
  if (path !== '') {
    if (!/^\d{1,2}$/.test(path) || Number(path) > MAX_DB) throw invalid(source, `the database must be 0–${MAX_DB}`, text);
    db = Number(path);
    if (cluster && db !== 0) throw invalid(source, 'a Redis Cluster has only database 0', text);
  }
  const auth = userinfo === undefined ? '' : `${username ? encodeURIComponent(username) : ''}${password !== undefined ? ':***' : ''}@`;
  const label = `${scheme}://${auth}${nodes.map(formatNode).join(',')}${db === 0 ? '' : `/${db}`}`;
  return { kind: 'redis', cluster, nodes, tls, username, password, db, label };
}

/** `host:port`, with brackets around an IPv6 address. */
export function formatNode(node: RedisNode): string {
  return `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`;
}

function credentials(
  userinfo: string | undefined,
  source: string,
  text: string,
): { username: string | undefined; password: string | undefined } {
  if (userinfo === undefined || userinfo === '') return { username: undefined, password: undefined };
  const colon = userinfo.indexOf(':');
  const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  const pass = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
  try {
    // redis://:secret@host is the usual form for a password without an ACL user.
    return {
      username: user === '' ? undefined : decodeURIComponent(user),
      password: pass === undefined || pass === '' ? undefined : decodeURIComponent(pass),
    };
  } catch {
    throw invalid(source, 'its user or password has a broken %-escape', text);
  }
}

function node(item: string, source: string, text: string): RedisNode {
  if (item === '') throw invalid(source, 'a host is missing', text);
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(item);
  const host = bracketed ? bracketed[1] : item.includes(':') ? item.slice(0, item.lastIndexOf(':')) : item;
  const portText = bracketed ? bracketed[2] : item.includes(':') ? item.slice(item.lastIndexOf(':') + 1) : undefined;
  if (host === undefined || host === '' || /[\s/@]/.test(host)) throw invalid(source, `"${item}" is not a host`, text);
  if (portText === undefined || portText === '') return { host, port: DEFAULT_REDIS_PORT };
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > MAX_PORT) {
    throw invalid(source, `the port must be 1–${MAX_PORT}, got "${portText}"`, text);
  }
  return { host, port };
}

/** The error for a bad URL; the URL is shown with anything between `//` and `@` hidden. */
function invalid(source: string, why: string, text: string): CorchError {
  return new CorchError('E_USAGE', `\`${source}\` ${hideCredentials(text)} is not a store URL: ${why}`);
}

/** `scheme://user:secret@host` → `scheme://***@host`: for messages about a URL that did not parse. */
export function hideCredentials(text: string): string {
  const at = text.lastIndexOf('@');
  const start = text.indexOf('//');
  if (at < 0 || start < 0 || at < start) return text;
  return `${text.slice(0, start + 2)}***${text.slice(at)}`;
}
