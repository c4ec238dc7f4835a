import { access, constants, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CorchClient, StreamTransport } from '../client/index.js';
import type { CorchEvent } from '../protocol/events.js';
import {
  createEventLog,
  createRenderer,
  type DashboardState,
  type EventLog,
  initialDashboardState,
  type ProgressMode,
  type Renderer,
  reduceDashboard,
  resolveProgressMode,
  writeResultMarkdown,
} from '../render/index.js';
import { ioError, usageError } from './cli-error.js';
import { type FollowOutcome, followStream, streamBatchMs, type Timeout } from './follow-stream.js';
import type { CliIo } from './io.js';
import type { ProgressFlag as RequestedMode } from './parse-options.js';

export interface OutputFiles {
  /** `--output`: the deliverable as Markdown. */
  output?: string;
  /** `--events`: every event as NDJSON, written as it arrives. */
  events?: string;
}

/**
 * The renderer for a resolved `--progress`. `auto` is the dashboard when stderr, where it is drawn, is an
 * interactive terminal and `CI` is not set — even when stdout is piped: `corch run "…" > result.md` shows
 * the dashboard and writes the result to the file (as mods does). Otherwise plain lines, so escape codes
 * never land in a redirected log.
 */
export function makeRenderer(requested: RequestedMode, io: CliIo): Renderer {
  const isTTY = io.stderr.isTTY === true;
  const mode: ProgressMode = resolveProgressMode(requested, { env: io.env, isTTY });
  return createRenderer(mode, {
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    columns: () => io.stderr.columns,
    rows: () => io.stderr.rows,
  });
}

/**
 * Checks that `--output` can be written before the run starts: finding out after a long (and paid) run
 * that the path is a directory, a read-only file or in a missing directory would waste it.
 */
export async function checkOutputPath(output: string | undefined, io: CliIo): Promise<void> {
  if (output === undefined) return;
  const path = resolve(io.cwd, output);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw usageError(`--output ${output} is a directory; name a file, e.g. --output ${join(output, 'result.md')}`);
  if (existing) {
    try {
      await access(path, constants.W_OK);
    } catch (error) {
      throw usageError(`--output ${output} cannot be written (${codeOf(error)}); make it writable or pick another path`);
    }
  }
  const dir = dirname(path);
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    throw usageError(`--output ${output}: cannot write in ${dir} (${codeOf(error)}); create the directory or pick another path`);
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

/** Opens the `--events` log before anything streams, so a bad path fails before the run starts. */
export function openEventLog(files: OutputFiles, io: CliIo): EventLog | undefined {
  return files.events === undefined ? undefined : createEventLog(resolve(io.cwd, files.events));
}

export interface WatchOptions extends OutputFiles {
  client: CorchClient;
  streamId: string;
  renderer: Renderer;
  eventLog: EventLog | undefined;
  io: CliIo;
  fromSeq?: number;
  timeout?: Timeout;
  /** `run` owns its run (signals cancel it); `attach` only watches. See {@link followStream}. */
  owner: boolean;
  /** Following the embedded server (see {@link followStream}). */
  embedded?: boolean;
  transport?: StreamTransport;
}

/**
 * Follows a stream to its end into the renderer and the output files, draws the final screen (naming the
 * files saved) and returns the exit code. A client failure is rethrown after the screen is restored, so
 * it is reported as one line under the final screen.
 */
export async function watchStream(options: WatchOptions): Promise<number> {
  const { io, renderer, eventLog } = options;
  // The deliverable for --output: from task_completed, or whatever stages finished before a failure.
  let state: DashboardState = initialDashboardState();
  const wantState = options.output !== undefined;
  let outcome: FollowOutcome;
  try {
    outcome = await followStream({
      client: options.client,
      streamId: options.streamId,
      renderer,
      io,
      owner: options.owner,
      embedded: options.embedded === true,
      ...(options.fromSeq !== undefined ? { fromSeq: options.fromSeq } : {}),
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
      batchMs: streamBatchMs(renderer.mode),
      ...(options.transport !== undefined ? { transport: options.transport } : {}),
      onEvent: (event: CorchEvent) => {
        eventLog?.write(event);
        if (wantState && event.event !== 'token_stream' && event.event !== 'heartbeat') state = reduceDashboard(state, event);
      },
    });
  } finally {
    eventLog?.close();
  }
  if (outcome.abandoned) {
    renderer.dispose();
    return outcome.code;
  }
  let outputPath: string | undefined;
  let outputError: unknown;
  if (options.output !== undefined) {
    outputPath = resolve(io.cwd, options.output);
    const completed = outcome.terminal?.event === 'task_completed' ? outcome.terminal : undefined;
    try {
      // From the state when it saw the run's start: it knows the task (the file's title) and the simulated label.
      if (state.task !== null && (completed || hasOutputs(state))) await writeResultMarkdown(outputPath, state);
      else if (completed) await writeResultMarkdown(outputPath, completed);
      else if (hasOutputs(state)) await writeResultMarkdown(outputPath, state);
      else outputPath = undefined;
    } catch (error) {
      outputPath = undefined;
      outputError = error;
    }
  }
  try {
    await renderer.finish({
      ...(outputPath !== undefined ? { outputPath } : {}),
      ...(eventLog ? { eventsPath: eventLog.path } : {}),
      ...(outcome.interrupted !== undefined ? { interrupted: outcome.interrupted } : {}),
    });
  } finally {
    renderer.dispose();
  }
  if (outcome.error !== undefined) throw outcome.error;
  if (outputError !== undefined) {
    const message = outputError instanceof Error ? outputError.message : String(outputError);
    throw ioError(`could not save the result: ${message}`, outputError);
  }
  return outcome.code;
}

/** Any stage output worth saving from a run that did not complete. */
function hasOutputs(state: DashboardState): boolean {
  return state.rows.some((row) => row.status === 'done');
}
