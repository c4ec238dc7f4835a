// Placeholder until the orchestrator lands: the real createRunner replaces this file's body.
import type { Runner } from '../streams/run-function.js';
import type { ServerSettings } from './settings.js';

export type { ServerSettings } from './settings.js';

export interface RunnerOptions {
  /** The server's environment (provider keys, base URLs). */
  env: Record<string, string | undefined>;
  settings?: ServerSettings;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export function createRunner(_options: RunnerOptions): Runner {
  throw new Error('the orchestrator is not built yet');
}
