// The programmatic API, for tools that embed corch: the wire contract, the server, the client, the
// pipeline and the providers. Only re-exports.
export * from './protocol/index.js';
export { type RunningServer, type ServerOptions, startServer } from './server/index.js';
export {
  MemoryStreamStore,
  type RunContext,
  type Runner,
  type StoredEntry,
  StreamManager,
  type StreamManagerOptions,
  type StreamStore,
  type WaitOutcome,
} from './streams/index.js';
export {
  type ClientNotice,
  type CorchClient,
  type CorchClientOptions,
  createCorchClient,
  type SubscribeOptions,
  type SubscribeResult,
} from './client/index.js';
export { createRunner, type RunnerOptions, type ServerSettings } from './orchestrator/index.js';
export {
  createProvider,
  createSimulatedProvider,
  type LlmMessage,
  type LlmPart,
  type LlmProvider,
  type LlmRequest,
  type ProviderName,
  resolveProvider,
} from './providers/index.js';
