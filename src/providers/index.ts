export * from './types.js';
export { createSimulatedProvider, type SimulatedDeps } from './simulated.js';
export { DEFAULT_SIMULATED_OPTIONS, parseSimulatedOptions, type SimulatedOptions } from './simulated-options.js';
export { SIMULATED_LABEL } from './simulated-names.js';
export type { Sleep } from './abort.js';
