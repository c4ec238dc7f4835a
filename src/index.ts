// The programmatic API: only re-exports.
export * from './protocol/index.js';
