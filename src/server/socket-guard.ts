import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../streams/clock.js';

/** A socket must complete its first request's headers within this time, or it is closed. */
export const DEFAULT_FIRST_REQUEST_TIMEOUT_MS = 3000;
/** Sockets one peer address may hold before its further sockets only get /healthz. */
export const DEFAULT_MAX_CONNECTIONS_PER_PEER = 256;
/**
 * Sockets accepted beyond the server's cap, or beyond a peer's cap, that only /healthz answers (503 for
 * every other route): so a probe still learns the server is alive, and full, while it is full.
 */
export const HEALTH_RESERVE_SOCKETS = 64;

export interface SocketLimits {
  /** Sockets open at once before new ones are restricted to /healthz. */
  readonly maxSockets: number;
  readonly maxPerPeer: number;
  readonly firstRequestTimeoutMs: number;
}

/** Why a socket may only ask for /healthz: the server's cap or its peer's cap was reached when it connected. */
export type Restriction = 'server-full' | 'peer-full';

/**
 * Bounds what peers can hold: closes sockets that send no complete request within
 * {@link SocketLimits.firstRequestTimeoutMs} (a flood of silent sockets otherwise holds every slot for the
 * headers timeout), counts sockets per peer address, and marks sockets over either cap as restricted to
 * /healthz; past {@link HEALTH_RESERVE_SOCKETS} more, new sockets are closed at once.
 * Time comes from the injected clock, so tests move it.
 */
export class SocketGuard {
  readonly limits: SocketLimits;
  readonly #clock: Clock;
  readonly #perPeer = new Map<string, number>();
  readonly #restricted = new WeakMap<Socket, Restriction>();
  readonly #timers = new WeakMap<Socket, TimerHandle>();
  #open = 0;

  constructor(limits: SocketLimits, clock: Clock) {
    this.limits = limits;
    this.#clock = clock;
  }

  /** Starts guarding `server`'s sockets. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#accept(socket));
    // Whichever way the first request's headers end up being handled, they arrived. Not 'checkContinue':
    // listening to it would stop node from answering 100 Continue and emitting 'request' by itself.
    const arrived = (req: { socket: Socket }) => this.#arrived(req.socket);
    server.prependListener('request', arrived);
    server.prependListener('upgrade', arrived);
    server.prependListener('checkExpectation', arrived);
  }

  /** Whether (and why) `socket` may only ask for /healthz. */
  restriction(socket: Socket): Restriction | undefined {
    return this.#restricted.get(socket);
  }

  /** Sockets open now. */
  get open(): number {
    return this.#open;
  }

  #accept(socket: Socket): void {
    if (this.#open >= this.limits.maxSockets + HEALTH_RESERVE_SOCKETS) {
      socket.destroy();
      return;
    }
    const peer = socket.remoteAddress ?? 'unknown';
    const count = (this.#perPeer.get(peer) ?? 0) + 1;
    this.#perPeer.set(peer, count);
    this.#open += 1;
    if (this.#open > this.limits.maxSockets) this.#restricted.set(socket, 'server-full');
    else if (count > this.limits.maxPerPeer) this.#restricted.set(socket, 'peer-full');
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(socket);
      socket.destroy();
    }, this.limits.firstRequestTimeoutMs);
    this.#timers.set(socket, timer);
    socket.once('close', () => {
      this.#arrived(socket);
      this.#open -= 1;
      const left = (this.#perPeer.get(peer) ?? 1) - 1;
      if (left === 0) this.#perPeer.delete(peer);
      else this.#perPeer.set(peer, left);
    });
  }

  #arrived(socket: Socket): void {
    const timer = this.#timers.get(socket);
    if (timer === undefined) return;
    this.#clock.clearTimeout(timer);
    this.#timers.delete(socket);
  }
}
