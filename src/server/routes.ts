/** The endpoints of DESIGN.md §1, §6 and §7. */
export type RouteName = 'create' | 'events' | 'ws' | 'status' | 'cancel' | 'list' | 'providers' | 'healthz' | 'page';

export type RouteMatch =
  | { kind: 'found'; route: RouteName; streamId: string | undefined; allow: readonly string[] }
  | { kind: 'options'; allow: readonly string[] }
  | { kind: 'method-not-allowed'; allow: readonly string[] }
  | { kind: 'not-found' };

interface RouteDef {
  readonly pattern: RegExp;
  /** Route per method; HEAD is answered like GET by node (headers only). */
  readonly methods: Readonly<Record<string, RouteName>>;
}

/** Stream ids are UUIDs today; anything else that is URL-safe and short is accepted for other stores. */
const ID = '([A-Za-z0-9_-]{1,128})';

const ROUTES: readonly RouteDef[] = [
  { pattern: /^\/api\/stream\/task$/, methods: { POST: 'create' } },
  { pattern: new RegExp(`^/api/stream/events/${ID}$`), methods: { GET: 'events' } },
  // DESIGN.md §7: a WebSocket upgrade (answered by the server's 'upgrade' handler; a plain GET gets 426).
  { pattern: new RegExp(`^/api/stream/ws/${ID}$`), methods: { GET: 'ws' } },
  { pattern: new RegExp(`^/api/stream/status/${ID}$`), methods: { GET: 'status', HEAD: 'status' } },
  { pattern: new RegExp(`^/api/stream/${ID}/cancel$`), methods: { POST: 'cancel' } },
  { pattern: new RegExp(`^/api/stream/${ID}$`), methods: { DELETE: 'cancel' } },
  { pattern: /^\/api\/streams$/, methods: { GET: 'list', HEAD: 'list' } },
  { pattern: /^\/api\/providers$/, methods: { GET: 'providers', HEAD: 'providers' } },
  { pattern: /^\/healthz$/, methods: { GET: 'healthz', HEAD: 'healthz' } },
  // The web page (§6): the page itself, a run's shareable URL, and the page's hashed files.
  { pattern: new RegExp(`^/(?:runs/${ID})?$|^/assets/[A-Za-z0-9._-]{1,128}$`), methods: { GET: 'page', HEAD: 'page' } },
];

/** Finds the route for `method` and `pathname` (one trailing slash is tolerated). */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  for (const def of ROUTES) {
    const match = def.pattern.exec(path);
    if (!match) continue;
    const allow = [...Object.keys(def.methods), 'OPTIONS'];
    if (method === 'OPTIONS') return { kind: 'options', allow };
    const route = def.methods[method];
    if (route === undefined) return { kind: 'method-not-allowed', allow };
    return { kind: 'found', route, streamId: match[1], allow };
  }
  return { kind: 'not-found' };
}
