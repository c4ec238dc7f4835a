import type { Clock } from '../streams/clock.js';
import type { StreamManager } from '../streams/stream-manager.js';
import type { HeartbeatWheel } from './heartbeat-wheel.js';
import type { SseConnection } from './sse-connection.js';

/** What the route handlers share: built once per server by `startServer`. */
export interface ServerContext {
  readonly manager: StreamManager;
  readonly clock: Clock;
  readonly apiKey: string | undefined;
  readonly corsOrigin: string | undefined;
  readonly retryMs: number;
  readonly maxConnections: number;
  readonly startedAt: number;
  /** Open SSE responses. */
  readonly connections: Set<SseConnection>;
  readonly wheel: HeartbeatWheel;
  /** Called with the error before a 500 answer (its message is not sent to the client). */
  readonly onError: (error: unknown) => void;
  /**
   * Called by an SSE connection once it has closed: unregisters it (shutdown waits for the last one). One
   * function for every connection, so an open connection holds no closure of its own for it.
   */
  readonly releaseConnection: (connection: SseConnection) => void;
}
