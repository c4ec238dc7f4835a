import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isCorchError } from '../protocol/errors.js';
import type { RedisSpec } from '../streams/redis-client.js';
import { RedisRunCoordinator } from '../streams/redis-run-coordinator.js';
import { RedisStreamStore } from '../streams/redis-stream-store.js';
import { parseStoreUrl, type StoreSpec } from '../streams/store-url.js';
import { cannotReachError, usageError } from './cli-error.js';

/** A Redis store with its coordinator, as `corch serve --store redis://…` runs on it. */
export interface SharedStore {
  readonly store: RedisStreamStore;
  readonly coordinator: RedisRunCoordinator;
  /** Closes the coordinator and the connections (after the server has closed). */
  close(): Promise<void>;
}

/** `--store`, else `CORCH_STORE`, else memory; a bad URL is a usage error that never shows the password. */
export function resolveStoreSpec(flag: unknown, env: Record<string, string | undefined>): StoreSpec {
  if (flag !== undefined && flag !== null) {
    if (typeof flag !== 'string') throw usageError('`--store` needs a value');
    return parse(flag, '--store');
  }
  const fromEnv = env.CORCH_STORE;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parse(fromEnv, 'CORCH_STORE');
  return parseStoreUrl('memory');
}

function parse(text: string, source: string): StoreSpec {
  try {
    return parseStoreUrl(text, source);
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * This process's name in leases and on /healthz: the host, the process id and a random suffix (containers
 * often all run as pid 1, and leases must never mistake one server for another).
 */
export function instanceName(pid: number): string {
  return `${hostname()}-${pid}-${randomBytes(2).toString('hex')}`;
}

/**
 * Connects to Redis and starts nothing yet (the server starts the coordinator once it listens). An
 * unreachable Redis is an UNREACHABLE exit with the reason, never a stack.
 */
export async function openSharedStore(
  spec: RedisSpec,
  options: { instanceId: string; leaseMs: number; renewMs: number },
): Promise<SharedStore> {
  let store: RedisStreamStore;
  try {
    store = await RedisStreamStore.connect(spec, { instanceId: options.instanceId });
  } catch (error) {
    if (isCorchError(error) && error.code === 'E_STORE_UNAVAILABLE') throw cannotReachError(error.message, error);
    throw error;
  }
  const coordinator = new RedisRunCoordinator(store, { leaseMs: options.leaseMs, renewMs: options.renewMs });
  return {
    store,
    coordinator,
    close: async () => {
      await coordinator.stop();
      await store.close();
    },
  };
}
