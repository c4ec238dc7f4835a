import type { Clock, TimerHandle } from '../streams/clock.js';

/** The wheel visits one slot per tick; each slot is visited once per interval. */
export const HEARTBEAT_SLOTS = 16;

export interface HeartbeatTarget {
  heartbeat(): void;
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
  readonly #slotOf = new Map<HeartbeatTarget, number>();
  /** The slot the next tick visits. */
  #next = 0;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, intervalMs: number, slots = HEARTBEAT_SLOTS) {
    this.#clock = clock;
    this.#slots = Array.from({ length: slots }, () => new Set<HeartbeatTarget>());
    this.#tickMs = intervalMs / slots;
  }

  get size(): number {
    return this.#slotOf.size;
  }

  add(target: HeartbeatTarget): void {
    if (this.#slotOf.has(target)) return;
    const count = this.#slots.length;
    const slot = (this.#next + count - 1) % count;
    this.#slots[slot]?.add(target);
    this.#slotOf.set(target, slot);
    if (this.#timer === undefined) this.#schedule();
  }

  remove(target: HeartbeatTarget): void {
    const slot = this.#slotOf.get(target);
    if (slot === undefined) return;
    this.#slots[slot]?.delete(target);
    this.#slotOf.delete(target);
    if (this.#slotOf.size === 0) this.stop();
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
    if (this.#slotOf.size > 0 && this.#timer === undefined) this.#schedule();
  }
}
