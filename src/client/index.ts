// The HTTP/SSE client: only re-exports.
export { createCorchClient } from './create-corch-client.js';
export {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_RECONNECT_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  reconnectDelay,
} from './reconnect-delay.js';
export type {
  ClientNotice,
  CorchClient,
  CorchClientOptions,
  FetchLike,
  SleepLike,
  StreamTransport,
  SubscribeOptions,
  SubscribeResult,
  TerminalEvent,
} from './types.js';
