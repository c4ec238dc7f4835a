// The orchestrator's public surface: only re-exports.
export * from './budgets.js';
export * from './create-runner.js';
export * from './estimates.js';
export * from './pipeline.js';
export * from './plan.js';
export * from './prices.js';
export * from './prompts.js';
export * from './review.js';
export * from './run-messages.js';
export * from './run-pricing.js';
export * from './run-tally.js';
export * from './settings.js';
export * from './stage-settings.js';
export * from './stream-stage.js';
export * from './token-coalescer.js';
