import type { Clock, TimerHandle } from '../streams/clock.js';

/** The wheel visits one slot per tick; each slot is visited once per interval. */
export const HEARTBEAT_SLOTS = 16;

export interface HeartbeatTarget {
  heartbeat(): void;
  /**
   * The wheel's slot for this target while it is on a wheel, kept by the wheel. On the target rather than in
   * a map of the wheel's: one field instead of one more hash entry per open connection.
   */
  heartbeatSlot: number | undefined;
}

/**
 * Sends heartbeats to many connections without one tick touching them all: connections are spread over
 * {@link HEARTBEAT_SLOTS} slots and each tick (every `intervalMs / slots`) visits one slot. A connection joins
 * the slot visited last, so its first heartbeat comes about `intervalMs` after it connected and every
 * later one exactly `intervalMs` apart. The timer runs only while there are connections.
 */
export class HeartbeatWheel {
  readonly #clock: Clock;
  readonly #tickMs: number;
  readonly #slots: Set<HeartbeatTarget>[];
  #size = 0;
  /** The slot the next tick visits. */
  #next = 0;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, intervalMs: number, slots = HEARTBEAT_SLOTS) {
    this.#clock = clock;
    this.#slots = Array.from({ length: slots }, () => new Set<HeartbeatTarget>());
    this.#tickMs = intervalMs / slots;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds `target` (which must not be on another wheel). */
  add(target: HeartbeatTarget): void {
    if (target.heartbeatSlot !== undefined) return;
    const count = this.#slots.length;
    const slot = (this.#next + count - 1) % count;
    this.#slots[slot]?.add(target);
    target.heartbeatSlot = slot;
    this.#size += 1;
    if (this.#timer === undefined) this.#schedule();
  }

  remove(target: HeartbeatTarget): void {
    const slot = target.heartbeatSlot;
    if (slot === undefined || !this.#slots[slot]?.delete(target)) return;
    target.heartbeatSlot = undefined;
    this.#size -= 1;
    if (this.#size === 0) this.stop();
  }

  /** Stops the timer (connections stay registered; the next add restarts it). */
  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => this.#tick(), this.#tickMs);
  }

  #tick(): void {
    this.#timer = undefined;
    const slot = this.#slots[this.#next];
    this.#next = (this.#next + 1) % this.#slots.length;
    // A heartbeat may close its connection (and remove it from the set): iterate over a copy.
    for (const target of [...(slot ?? [])]) target.heartbeat();
    if (this.#size > 0 && this.#timer === undefined) this.#schedule();
  }
}
