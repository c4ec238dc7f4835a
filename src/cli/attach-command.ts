import { FINISHED_STATUSES } from '../protocol/stream-state.js';
import { usageError } from './cli-error.js';
import { openConfig } from './config-store.js';
import { startTimeout } from './follow-stream.js';
import type { CliIo } from './io.js';
import { parseInteger, parsePositive, parseTransport } from './parse-options.js';
import { checkStreamId, connectRemote } from './remote.js';
import { pickProgressMode } from './resolve-settings.js';
import { checkOutputPath, makeRenderer, openEventLog, watchStream } from './watch-stream.js';

/** `corch attach` flags as commander hands them over. */
export interface AttachOptions {
  baseUrl?: string;
  apiKey?: string;
  fromSeq?: string;
  progress?: string;
  output?: string;
  events?: string;
  timeout?: string;
  transport?: string;
}

/**
 * `corch attach <stream-id> [--from-seq N] [--transport sse|ws]`: follows a stream started elsewhere
 * (`run --detach`, a browser, another terminal) like `run` does, from the first event or from event N. It
 * only watches: Ctrl-C and `--timeout` stop watching and leave the run alone (`corch cancel` cancels it).
 */
export async function attachCommand(id: string, options: AttachOptions, io: CliIo): Promise<number> {
  const streamId = checkStreamId(id);
  const fromSeq = parseInteger(options.fromSeq, '--from-seq', 1);
  const timeout = startTimeout(parsePositive(options.timeout, '--timeout'));
  const transport = parseTransport(options.transport);
  const progress = pickProgressMode(options.progress, io.env, openConfig(io.env).read());
  const { client } = await connectRemote('attach', options, io);
  if (fromSeq !== undefined && fromSeq > 1) {
    // Past the end of a finished stream there is nothing to show, ever: say so instead of printing nothing.
    const state = await client.status(streamId);
    if (FINISHED_STATUSES.includes(state.status) && fromSeq > state.last_event_id) {
      throw usageError(`--from-seq ${fromSeq} is past the end: stream ${streamId} ended (${state.status}) after ${state.last_event_id} events; pass 1–${state.last_event_id}`);
    }
  }
  await checkOutputPath(options.output, io);
  const renderer = makeRenderer(progress, io);
  try {
    const eventLog = openEventLog(options, io);
    return await watchStream({
      client,
      streamId,
      renderer,
      eventLog,
      io,
      owner: false,
      output: options.output,
      transport,
      ...(fromSeq !== undefined ? { fromSeq } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
    });
  } finally {
    renderer.dispose();
  }
}
