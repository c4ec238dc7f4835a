import { CorchError } from '../protocol/index.js';
import type { CorchClient, CorchClientOptions } from './types.js';

/** Creates a client for the corch server at `options.baseUrl`. */
export function createCorchClient(options: CorchClientOptions): CorchClient {
  throw new CorchError('E_INTERNAL', `not implemented yet (${options.baseUrl})`);
}
