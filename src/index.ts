// The programmatic API, for tools that embed corch: the wire contract, the server, the client, the
// pipeline and the providers. Only re-exports.
export * from './protocol/index.js';
export { type RunningServer, type ServerOptions, startServer } from './server/index.js';
export {
  type EntryBatch,
  LogBatch,
  LogEntry,
  MemoryStreamStore,
  type RunContext,
  type Runner,
  type StoredEntry,
  StreamManager,
  type StreamManagerOptions,
  type StreamListener,
  type StreamStore,
  type WaitOutcome,
} from './streams/index.js';
export {
  type ClientNotice,
  type CorchClient,
  type CorchClientOptions,
  createCorchClient,
  type StreamTransport,
  type SubscribeOptions,
  type SubscribeResult,
} from './client/index.js';
export {
  type CoalescerOptions,
  createRunner,
  DEFAULT_COALESCE_MS,
  type RunnerOptions,
  type ServerSettings,
  TokenCoalescer,
} from './orchestrator/index.js';
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
