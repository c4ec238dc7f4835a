import { FINISHED_STATUSES } from '../protocol/stream-state.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { checkStreamId, connectRemote } from './remote.js';

export interface CancelOptions {
  baseUrl?: string;
  apiKey?: string;
}

/**
 * `corch cancel <stream-id>`: asks the server to cancel; in-flight model requests are aborted there and
 * the stream ends with `task_error` E_CANCELLED. Cancelling a stream that already ended is not an error:
 * the command says how it ended.
 */
export async function cancelCommand(id: string, options: CancelOptions, io: CliIo): Promise<number> {
  const streamId = checkStreamId(id);
  const { client } = await connectRemote('cancel', options, io);
  const before = await client.status(streamId);
  if (FINISHED_STATUSES.includes(before.status)) {
    io.stderr.write(`${streamId} had already ended: ${before.status}\n`);
    return EXIT.OK;
  }
  const after = await client.cancel(streamId);
  io.stderr.write(`${streamId} ${after?.status === 'cancelled' || after === undefined ? 'cancelled' : `is ${after.status}`}\n`);
  return EXIT.OK;
}
