import { CorchError } from '../protocol/errors.js';
import { type EventInput, isTerminalEvent } from '../protocol/events.js';
import { FINISHED_STATUSES, type StreamState } from '../protocol/stream-state.js';
import type { TaskRequest } from '../protocol/task-request.js';
import type { Clock } from './clock.js';
import type { LocalRun } from './local-run.js';
import { movedMessage, recoverRun } from './recover-run.js';
import type { OrphanedRun, RunCoordinator } from './run-coordinator.js';
import type { Runner } from './run-function.js';
import type { EntryBatch, StoredEntry, StreamListener, StreamStore } from './stream-store.js';

/**
 * How long a cancel received for another server's run waits for that server to end it before this one
 * checks whether the owner is still alive (and, if not, ends the run itself).
 */
export const REMOTE_CANCEL_WAIT_MS = 1500;
/** Entries read per page when a taken-over run's log is read back. */
const RECOVER_PAGE = 1000;

/** What {@link SharedRuns} needs from its StreamManager. */
export interface RunHost {
  readonly store: StreamStore;
  readonly runner: Runner;
  readonly clock: Clock;
  /** False once the server is shutting down: it takes nothing over then. */
  accepting(): boolean;
  /** Whether the run executes in this process. */
  has(streamId: string): boolean;
  /** Makes a run this server has just taken the lease of its own, numbering on after `lastSeq`. */
  adopt(streamId: string, request: TaskRequest, state: StreamState, lastSeq: number): LocalRun;
  /** Ends an adopted run with a `task_error` for `error` (nothing executes it); resolves once stored. */
  end(run: LocalRun, error: CorchError): Promise<void>;
  /** Executes an adopted run (its `resume` says where it continues). */
  execute(run: LocalRun): void;
  append(streamId: string, input: EventInput): Promise<void>;
}

/**
 * The StreamManager's part in a deployment of several servers on one store (DESIGN §5): cancels of runs that
 * another server executes, and take-over of runs whose server stopped answering or handed them over.
 */
export class SharedRuns {
  readonly #host: RunHost;
  readonly #coordinator: RunCoordinator;
  /** Runs being taken over right now (a lapsed lease is reported on every scan until it is taken). */
  readonly #taking = new Set<string>();

  constructor(host: RunHost, coordinator: RunCoordinator) {
    this.#host = host;
    this.#coordinator = coordinator;
  }

  /**
   * A cancel received here for a run another server executes: the owner is asked (and aborts within a
   * second); if it does not end the run in {@link REMOTE_CANCEL_WAIT_MS} and its lease has lapsed, this
   * server takes the run and ends it itself.
   */
  async cancelElsewhere(streamId: string, reason: CorchError): Promise<void> {
    const coordinator = this.#coordinator;
    const state = await this.#host.store.getState(streamId);
    if (!state || FINISHED_STATUSES.includes(state.status)) return;
    await coordinator.requestCancel(streamId, reason);
    if (await this.#waitForEnd(streamId)) return;
    if (await coordinator.ownerAlive(streamId)) return;
    const orphan = await coordinator.takeOver(streamId);
    const adopted = orphan && (await this.#adopt(streamId, orphan));
    if (adopted) await this.#host.end(adopted.run, reason);
  }

  /**
   * Takes over a run whose server stopped answering (or handed it over): it continues here from its last
   * completed stage, after a `system_message` saying so. When this server cannot continue it (its runner
   * refuses the request, e.g. no key for the provider) it declines; when every live server has declined,
   * the run ends with `E_SERVER_LOST`.
   */
  async takeOver(streamId: string): Promise<void> {
    const host = this.#host;
    const coordinator = this.#coordinator;
    if (!host.accepting() || host.has(streamId) || this.#taking.has(streamId)) return;
    this.#taking.add(streamId);
    try {
      const orphan = await coordinator.takeOver(streamId);
      if (!orphan) return;
      let refused: unknown;
      try {
        await host.runner.prepare?.(orphan.request);
      } catch (error) {
        refused = error ?? new Error('refused');
      }
      if (refused !== undefined && (await coordinator.decline(streamId)) === 'others') return;
      const adopted = await this.#adopt(streamId, orphan);
      if (!adopted) return;
      const { run, log } = adopted;
      if (refused !== undefined) {
        const why = refused instanceof Error ? refused.message : String(refused);
        const previous = orphan.previousOwner || 'unknown';
        const message = `the run's server (${previous}) stopped and no running server can continue it: ${why}`;
        await host.end(run, new CorchError('E_SERVER_LOST', message, { retryable: true }));
        return;
      }
      const recovered = recoverRun(log);
      void host.append(streamId, {
        event: 'system_message',
        data: { message: movedMessage(coordinator.instanceId, orphan, recovered), level: 'warn' },
      });
      if (recovered.started) run.resume = { completed: recovered.completed };
      host.execute(run);
    } finally {
      this.#taking.delete(streamId);
    }
  }

  /**
   * Reads the run's log and makes the run this server's own. Undefined (and the lease let go) when the run
   * has ended meanwhile or already runs here.
   */
  async #adopt(streamId: string, orphan: OrphanedRun): Promise<{ run: LocalRun; log: StoredEntry[] } | undefined> {
    const log: StoredEntry[] = [];
    for (;;) {
      const page = await this.#host.store.read(streamId, log.at(-1)?.seq ?? 0, RECOVER_PAGE);
      log.push(...page);
      if (page.length < RECOVER_PAGE) break;
    }
    const last = log.at(-1);
    const ended = FINISHED_STATUSES.includes(orphan.state.status) || (last !== undefined && isTerminalEvent(last.name));
    if (ended || this.#host.has(streamId)) {
      await this.#coordinator.finished(streamId);
      return undefined;
    }
    return { run: this.#host.adopt(streamId, orphan.request, orphan.state, last?.seq ?? 0), log };
  }

  /** Resolves true once the stream has its terminal event (or is gone), false after the wait. */
  #waitForEnd(streamId: string): Promise<boolean> {
    const { store, clock } = this.#host;
    return new Promise((resolve) => {
      let done = false;
      const finish = (ended: boolean) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        store.unsubscribe(streamId, listener);
        resolve(ended);
      };
      const listener: StreamListener = {
        onEntries: (batch: EntryBatch) => {
          if (batch.terminal) finish(true);
        },
        onGone: () => finish(true),
        onInterrupted: () => finish(false),
      };
      const timer = clock.setTimeout(() => finish(false), REMOTE_CANCEL_WAIT_MS);
      store.subscribe(streamId, listener);
      // Subscribed first: a run that ended before is seen in its state.
      store.getState(streamId).then(
        (state) => {
          if (!state || FINISHED_STATUSES.includes(state.status)) finish(true);
        },
        () => undefined,
      );
    });
  }
}
