// The browser build's stand-in for src/client/ws-connect.ts (vite.config.ts swaps it in): that module drives
// node's `ws` package, which has no place in a page. The page reads events as SSE over fetch (so it can send
// the API key as a header) and never asks `subscribeToStream` for the WebSocket transport.
import { CorchError } from '../protocol/index.js';
import type { connectWsOnce as ConnectWsOnce, wsUrlOf as WsUrlOf } from '../client/ws-connect.js';

export const wsUrlOf: typeof WsUrlOf = (baseUrl, streamId) =>
  `${baseUrl.replace(/^http/, 'ws')}/api/stream/ws/${encodeURIComponent(streamId)}`;

export const connectWsOnce: typeof ConnectWsOnce = () =>
  Promise.reject(new CorchError('E_INVALID_REQUEST', 'the web page reads streams over SSE; the WebSocket transport is for Node clients'));
