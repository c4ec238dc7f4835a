// `corch/react`: embed a corch run in a React app. Only re-exports; `react` is an optional peer dependency.
export {
  type CollaborativeStream,
  type CollaborativeStreamOptions,
  useCollaborativeStream,
} from './web/use-collaborative-stream.js';
export { createRunStore, type RunConnection, type RunSnapshot, type RunStore, type RunStoreOptions } from './web/run-store.js';
export type { DashboardState, StageRow, StageStatus } from './render/dashboard-state.js';
export type { FetchLike } from './client/types.js';
