import type { ChunkCompletedData } from '../protocol/events.js';
import type { OrphanedRun } from './run-coordinator.js';
import type { StoredEntry } from './stream-store.js';

/** What a taken-over run's log says about how far it got. */
export interface RecoveredRun {
  /** Its `task_started` is in the log (so the run continues rather than starting over). */
  readonly started: boolean;
  /** Every `chunk_completed` of its log, in order (candidates and Judges of consensus stages included). */
  readonly completed: ChunkCompletedData[];
  /** The agent whose stage was under way when its server stopped (it restarts), if any. */
  readonly restarting: string | null;
}

/** Reads how far a run got from its log (the stage outputs are in its `chunk_completed` events). */
export function recoverRun(log: readonly StoredEntry[]): RecoveredRun {
  let started = false;
  const completed: ChunkCompletedData[] = [];
  let current: { chunk: number; agent: string } | null = null;
  for (const entry of log) {
    if (entry.name === 'task_started') started = true;
    else if (entry.name === 'chunk_started') {
      const data = entry.event.data as { chunk_number: number; agent: string };
      current = { chunk: data.chunk_number, agent: data.agent };
    } else if (entry.name === 'chunk_completed') {
      const data = entry.event.data as ChunkCompletedData;
      completed.push(data);
      if (current?.chunk === data.chunk_number) current = null;
    }
  }
  return { started, completed, restarting: current?.agent ?? null };
}

/** The `system_message` a run gets when it moves to `instanceId`. */
export function movedMessage(instanceId: string, orphan: OrphanedRun, recovered: RecoveredRun): string {
  const previous = orphan.previousOwner === '' ? 'its server' : `instance ${orphan.previousOwner}`;
  const why = orphan.handedOver ? `${previous} handed it over (it was shutting down)` : `${previous} stopped answering`;
  const next = recovered.restarting
    ? `the ${recovered.restarting} stage restarts`
    : recovered.completed.length > 0
      ? 'it continues with the next stage'
      : 'it starts from the beginning';
  return `the run moved to instance ${instanceId} after ${why}; ${next}`;
}
