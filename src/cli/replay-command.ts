import { resolve } from 'node:path';
import { ioError } from './cli-error.js';
import { openConfig } from './config-store.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { exitCodeFor } from './report-error.js';
import { pickProgressMode } from './resolve-settings.js';
import { makeRenderer } from './watch-stream.js';

/** `corch replay` flags as commander hands them over. */
export interface ReplayOptions {
  progress?: string;
  output?: string;
}

/**
 * `corch replay <events.ndjson>`: feeds a saved log through the same renderer as a live run, so the final
 * screen matches the run's. The exit code is the run's: 0 if it completed, 1 failed, 3 cancelled — and
 * 1 with a note when the log ends before the run did (a killed run).
 */
export async function replayCommand(file: string, options: ReplayOptions, io: CliIo): Promise<number> {
  const progress = pickProgressMode(options.progress, io.env, openConfig(io.env).read());
  const path = resolve(io.cwd, file);
  const { initialDashboardState, readEventLog, reduceDashboard, writeResultMarkdown } = await import('../render/index.js');
  const log = await readEventLog(path).catch((error: unknown) => {
    if (causeCode(error) === 'ENOENT') throw ioError(`${file} does not exist; pass a log written by \`corch run --events FILE\``, error);
    throw error;
  });
  if (log.events.length === 0) throw ioError(`${file} holds no events; pass a log written by \`corch run --events FILE\``);

  const renderer = makeRenderer(progress, io);
  try {
    // The deliverable is written from the whole run's state, as `run --output` does: title, label, outputs.
    let state = initialDashboardState();
    let completed = false;
    let code: number = EXIT.RUN_FAILED;
    let ended = false;
    for (const event of log.events) {
      renderer.event(event);
      if (event.event !== 'token_stream') state = reduceDashboard(state, event);
      if (event.event === 'task_completed') {
        completed = true;
        code = EXIT.OK;
        ended = true;
      } else if (event.event === 'task_error') {
        code = exitCodeFor(event.data.code);
        ended = true;
      }
    }
    if (log.truncatedLastLine) {
      renderer.notice({ type: 'message', level: 'warn', message: `${file}: the last line was cut off (the run was killed?) and was skipped` });
    }
    let outputPath: string | undefined;
    if (options.output !== undefined && completed) {
      outputPath = resolve(io.cwd, options.output);
      await writeResultMarkdown(outputPath, state);
    }
    await renderer.finish({
      ...(outputPath !== undefined ? { outputPath } : {}),
      ...(ended ? {} : { interrupted: 'the log ends before the run did' }),
    });
    return code;
  } finally {
    renderer.dispose();
  }
}

/** The first system error code (`ENOENT`, …) on an error or its causes. */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('E_')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
