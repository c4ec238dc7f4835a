export * from './events.js';
export * from './errors.js';
export * from './sse.js';
export * from './stream-state.js';
export * from './task-request.js';
