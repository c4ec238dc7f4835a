import type { CorchError } from '../protocol/errors.js';
import type { StreamState } from '../protocol/stream-state.js';
import type { TaskRequest } from '../protocol/task-request.js';

/**
 * How the servers sharing one store agree on who runs what (DESIGN §5). A run executes on the server that
 * created it, which holds a lease on it and renews it; cancels reach that server wherever they are received;
 * when its lease lapses (the server died) or it hands the run over (SIGTERM), another server takes it on.
 * The StreamManager uses it when given one; with the memory store there is none (nothing else could
 * continue a run).
 */
export interface RunCoordinator {
  /** This server's name in leases and messages. */
  readonly instanceId: string;
  /** Starts renewing leases, listening for cancels and hand-overs, and looking for runs to take over. */
  start(events: CoordinatorEvents): Promise<void>;
  /** A new run on this server: takes its lease and keeps what another server would need to continue it. */
  claim(streamId: string, request: TaskRequest): Promise<void>;
  /** The run has ended here: its lease goes. */
  finished(streamId: string): Promise<void>;
  /** This server stops running the run without ending it: the next server may take it over at once. */
  handOver(streamId: string): Promise<void>;
  /** Asks whichever server runs `streamId` to cancel it with `reason`. */
  requestCancel(streamId: string, reason: CorchError): Promise<void>;
  /** Whether a server that is still renewing holds the run's lease. */
  ownerAlive(streamId: string): Promise<boolean>;
  /**
   * Takes the lease of a run whose owner lapsed or handed it over. Undefined when a live owner still holds
   * it (another server was quicker) or the run is gone.
   */
  takeOver(streamId: string): Promise<OrphanedRun | undefined>;
  /**
   * This server cannot continue the run (it lacks the provider's key, say). `'others'`: the lease is let
   * go for another live server to try; `'none'`: every live server has declined, and the caller, still
   * holding the lease, ends the run.
   */
  decline(streamId: string): Promise<'others' | 'none'>;
  /**
   * Subscribers on this server of a run another server executes came (`+1`) or went (`-1`): the owner's
   * `on_disconnect: "cancel"` grace period must count them too.
   */
  watching(streamId: string, change: 1 | -1): void;
  /** Whether another server has said recently that it has subscribers of the run. */
  watchedElsewhere(streamId: string): Promise<boolean>;
  /** Stops the timers and the control connection (leases are left to lapse, or were handed over). */
  stop(): Promise<void>;
}

/** What a coordinator tells its StreamManager. Called synchronously; must not throw. */
export interface CoordinatorEvents {
  /** A cancel was asked for a run (it may not be this server's). */
  cancel(streamId: string, reason: CorchError): void;
  /** A run's owner lapsed or handed it over: it may be taken over. */
  orphan(streamId: string): void;
  /** Another server holds the lease of a run this server was running: stop it without writing. */
  lost(streamId: string): void;
}

/** A run this server has just taken the lease of. */
export interface OrphanedRun {
  readonly request: TaskRequest;
  readonly state: StreamState;
  /** The server that ran it before ('' when unknown). */
  readonly previousOwner: string;
  /** It was handed over (its server was shutting down) rather than lapsing. */
  readonly handedOver: boolean;
}
