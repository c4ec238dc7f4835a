import type { ProviderOffer } from '../providers/provider-offer.js';
import type { Clock } from '../streams/clock.js';
import type { StreamManager } from '../streams/stream-manager.js';
import type { HeartbeatWheel } from './heartbeat-wheel.js';
import type { HostPolicy } from './request-guard.js';
import type { SocketGuard } from './socket-guard.js';
import type { FollowerShared, StreamFollower } from './stream-follower.js';
import type { WebAssets } from './web-page.js';

/** What the route handlers share: built once per server by `startServer`. */
export interface ServerContext {
  readonly manager: StreamManager;
  /** This server's name on /healthz (and in leases, with a shared store). */
  readonly instanceId: string;
  readonly clock: Clock;
  readonly apiKey: string | undefined;
  readonly corsOrigin: string | undefined;
  readonly retryMs: number;
  /** The built web page served at `/`; undefined when it is off (`--no-ui`). */
  readonly webAssets: WebAssets | undefined;
  /** Answer of `GET /api/providers`. */
  readonly providers: ProviderOffer | undefined;
  readonly maxConnections: number;
  readonly startedAt: number;
  /** Open event streams, SSE and WebSocket: one cap for both. */
  readonly connections: Set<StreamFollower>;
  readonly wheel: HeartbeatWheel;
  /** Called with the error before a 500 answer (its message is not sent to the client). */
  readonly onError: (error: unknown) => void;
  /** One short line about a peer's behaviour (a hang-up, a malformed request): never a stack. */
  readonly onDebug: (message: string) => void;
  /** Which Host and Origin values are answered (DESIGN §9). */
  readonly hostPolicy: HostPolicy;
  /** Socket bounds: silent sockets, connections per peer, /healthz while full. */
  readonly sockets: SocketGuard;
  /**
   * Store, clock and release hook of every SSE connection: one object for all of them, so an open
   * connection holds one reference rather than three (and no closure of its own). `release` unregisters a
   * closed connection (shutdown waits for the last one).
   */
  readonly sse: FollowerShared;
}
