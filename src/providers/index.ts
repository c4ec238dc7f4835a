export type { Sleep } from './abort.js';
export { ANTHROPIC_VERSION, createAnthropicProvider } from './anthropic.js';
export { type ErrorContext, errorFromStatus, errorFromStreamPayload, readVendorError, type VendorError } from './http-errors.js';
export type { HttpProviderOptions } from './http-provider-options.js';
export { createOpenAiCompatibleProvider, type OpenAiCompatibleOptions } from './openai-compatible.js';
export {
  BASE_URL_ENV,
  DEFAULT_BASE_URLS,
  DEFAULT_MODELS,
  KEY_DETECTION_ORDER,
  KEY_ENV,
  ollamaRoot,
} from './provider-presets.js';
export {
  type CreateProviderOptions,
  createProvider,
  type ResolvedProvider,
  type ResolveProviderOptions,
  resolveProvider,
} from './resolve.js';
export { type OfferedProvider, type ProviderOffer, providerOffer } from './provider-offer.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export { createSimulatedProvider, type SimulatedDeps } from './simulated.js';
export { DEFAULT_SIMULATED_OPTIONS, parseSimulatedOptions, type SimulatedOptions } from './simulated-options.js';
export { DEFAULT_STREAM_TIMEOUTS, FIRST_TOKEN_TIMEOUT_MS, IDLE_TIMEOUT_MS, type StreamTimeouts } from './stream-watchdog.js';
export * from './types.js';
