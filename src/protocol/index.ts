export * from './errors.js';
export * from './events.js';
export * from './json-shape.js';
export * from './provider-names.js';
export * from './sse.js';
export * from './stream-state.js';
export * from './task-request.js';
export * from './validate-task-request.js';
