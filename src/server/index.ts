export { validateTaskRequest } from '../protocol/validate-task-request.js';
export { MAX_BODY_BYTES } from './read-json-body.js';
export type { RunningServer, ServerOptions } from './start-server.js';
export {
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_HOST,
  DEFAULT_MAX_CONNECTIONS,
  SSE_RETRY_MS,
  startServer,
} from './start-server.js';
