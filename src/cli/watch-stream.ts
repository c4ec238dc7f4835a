import { access, constants } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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
import { ioError } from './cli-error.js';
import { type FollowOutcome, followStream, streamBatchMs, type Timeout } from './follow-stream.js';
import type { CliIo } from './io.js';
import type { ProgressMode as RequestedMode } from './parse-options.js';

export interface OutputFiles {
  /** `--output`: the deliverable as Markdown. */
  output?: string;
  /** `--events`: every event as NDJSON, written as it arrives. */
  events?: string;
}

/**
 * The renderer for a resolved `--progress`. `auto` is the dashboard only when stdout is an interactive
 * terminal (the user is watching) and stderr is one too (the dashboard is drawn there, and escape codes
 * must never land in a redirected log), and `CI` is not set; otherwise plain lines.
 */
export function makeRenderer(requested: RequestedMode, io: CliIo): Renderer {
  const isTTY = io.stdout.isTTY === true && io.stderr.isTTY === true;
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
 * that the directory does not exist would waste it.
 */
export async function checkOutputPath(output: string | undefined, io: CliIo): Promise<void> {
  if (output === undefined) return;
  const dir = dirname(resolve(io.cwd, output));
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    throw ioError(`--output ${output}: cannot write in ${dir} (${(error as NodeJS.ErrnoException).code ?? 'error'}); create the directory or pick another path`, error);
  }
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
      if (completed) await writeResultMarkdown(outputPath, completed);
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
    throw ioError(`could not write --output ${options.output}: ${message}`, outputError);
  }
  return outcome.code;
}

/** Any stage output worth saving from a run that did not complete. */
function hasOutputs(state: DashboardState): boolean {
  return state.rows.some((row) => row.status === 'done');
}
