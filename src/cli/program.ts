// Loaded on every start, so it imports only commander and tiny local files: each command's implementation
// (the client, the server, the renderers, conf) is imported when that command runs.
import { Command, CommanderError, Option } from 'commander';
import { CliError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { CONFIG_HELP, EXIT_CODES_HELP, HOME_HELP, RUN_EXAMPLES_HELP } from './help-text.js';
import { collect, PROGRESS_MODES } from './parse-options.js';
import { reportError } from './report-error.js';
import { VERSION } from './version.js';

/** A commander error tagged with the command it came from, so the usage hint names that command. */
class CommandUsageError extends CliError {
  constructor(
    message: string,
    readonly command: Command,
  ) {
    super('E_USAGE', message, { exitCode: EXIT.USAGE, usage: true });
  }
}

/** Runs the CLI on `io.argv` (the arguments after the program name) and resolves with the exit code. */
export async function runMain(io: CliIo): Promise<number> {
  let result: number = EXIT.OK;
  let running: Command | undefined;
  const setResult = (code: number): void => {
    result = code;
  };
  const program = createProgram(io, setResult, (cmd) => {
    running = cmd;
  });
  try {
    await program.parseAsync(io.argv, { from: 'user' });
    return result;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version arrive here as "errors" with exit code 0.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      // `corch` alone prints the help on stderr: that is a usage error.
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const command = error instanceof CommandUsageError ? error.command : running;
    return reportError(error, io, command ? { usage: usageOf(command), command: command.name() } : {});
  }
}

/**
 * Builds the commander program. Exported for tests that inspect `--help`; `runMain` is the entry point.
 * `started` is told which command is running, so errors thrown inside it carry that command's usage.
 */
export function createProgram(io: CliIo, setResult: (code: number) => void, started: (cmd: Command) => void): Command {
  const program = new Command('corch')
    .description('Run a team of LLM agents on a task and stream their work live (Architect → Coder → Reviewer ⇄ Refiner → Documenter).')
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', HOME_HELP + EXIT_CODES_HELP)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 80,
      getErrHelpWidth: () => io.stderr.columns ?? 80,
      // Errors are printed by reportError, in one place and one format.
      outputError: () => {},
    })
    .showSuggestionAfterError(true);

  /** Wraps an action: marks the command as running, then lazily runs its implementation. */
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      const cmd = args[args.length - 1];
      if (cmd instanceof Command) started(cmd);
      setResult(await fn(...args));
    };

  const remote = (cmd: Command): Command =>
    cmd
      .option('--base-url <url>', 'server URL (env CORCH_BASE_URL; config baseUrl)')
      .option('--api-key <key>', 'API key for that server (env CORCH_API_KEY; config apiKey)');

  const progress = (cmd: Command): Command =>
    cmd.addOption(
      new Option('--progress <mode>', 'output: tty dashboard, plain lines, NDJSON, or quiet (only the result) (default: auto)').choices(PROGRESS_MODES),
    );

  program
    .command('serve')
    .description('start the SSE server (the StreamManager and the orchestrator)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8000')
    .option('--api-key <key>', 'require this key from clients (env CORCH_API_KEY)')
    .option('--provider <name>', 'default provider for tasks that name none')
    .option('--model <model>', 'default model for tasks that name none')
    .option('--ttl <seconds>', 'keep finished streams this long', '3600')
    .option('--heartbeat <seconds>', 'keep-alive interval on idle streams', '15')
    .option('--max-streams <n>', 'most runs at once')
    .option('--max-connections <n>', 'most open event streams at once')
    .option('--cors-origin <origin>', 'allow browsers from this origin')
    .option('--allowed-host <host>', 'answer requests for this Host name too (repeatable; * for any)', collect, [])
    .option('--max-connections-per-peer <n>', 'most sockets one address may hold (default 256)')
    .option('--max-stream-bytes <size>', "stop a run whose event log passes this size (default 32MiB)")
    .option('--max-total-bytes <size>', 'event logs kept in all; oldest finished dropped first (default 256MiB)')
    .option('--max-finished <n>', 'finished streams kept; oldest finished dropped first (default 1000)')
    .option('--insecure', 'allow a non-loopback host without an API key')
    .option('--no-ui', 'do not serve the web page at /')
    .option('--disconnect-grace <seconds>', 'cancel an on_disconnect "cancel" run after this long unwatched', '30')
    .option('--no-cache', 'run every task without the stage cache')
    .option('--store <url>', 'memory, or redis://… / rediss://… / redis-cluster://h:p,h:p to share runs between servers (env CORCH_STORE)')
    .option('--lease <seconds>', 'with a Redis store: how long a silent server keeps its runs before another takes them over', '15')
    .option('--lease-renew <seconds>', 'with a Redis store: how often a server renews its leases', '5')
    .action(
      act(async (options: Record<string, unknown>) => {
        const { serveAction } = await import('./serve-action.js');
        return serveAction(options, io);
      }),
    );

  const run = program
    .command('run')
    .description('run a task and show the agents at work')
    .argument('[task]', 'what to build, in words (quoted), or - to read it from stdin')
    .argument('[context-json]', 'extra context as a JSON object, e.g. \'{"language": "python"}\'')
    // Extra words are an unquoted task: run says to quote it rather than commander's "too many arguments".
    .allowExcessArguments(true);
  remote(run)
    .option('--provider <name>', 'openai, openrouter, ollama, anthropic or simulated (default: picked for you)')
    .option('--model <model>', 'model for every stage')
    .option('--stage-model <role=model>', 'model for one stage (repeatable)', collect, [])
    .option('--provider-option <key=value>', 'option passed to the provider; JSON values allowed (repeatable)', collect, [])
    .option('--max-seconds <s>', 'time budget for the run, enforced by the server')
    .option('--max-cost <usd>', 'cost budget for the run, enforced by the server')
    .option('--consensus <role=n|models>', 'run a stage as N candidates, or one per model (a,b,c), and let a Judge pick (repeatable)', collect, [])
    .option('--no-cache', 'call the models even for stages answered before (skip the stage cache)');
  progress(run)
    .option('--output <file>', 'write the deliverable as Markdown')
    .option('--events <file>', 'write every event as NDJSON, as it arrives')
    .option('--detach', 'print the stream id and exit (remote server only)')
    .option('--timeout <s>', 'cancel and exit 5 if the run takes longer')
    .addHelpText('after', RUN_EXAMPLES_HELP + EXIT_CODES_HELP)
    .action(
      act(async (task: string | undefined, context: string | undefined, options: Record<string, unknown>, cmd: Command) => {
        const { runCommand } = await import('./run-command.js');
        return runCommand(task, context, { ...options, extraArgs: cmd.args.slice(2) }, io);
      }),
    );

  const attach = program
    .command('attach')
    .description('follow a stream that is already running (or replay one that ended)')
    .argument('<stream-id>', 'the id printed by run --detach');
  remote(attach).option('--from-seq <n>', 'start at this event number (default: 1, the start)');
  progress(attach)
    .option('--output <file>', 'write the deliverable as Markdown')
    .option('--events <file>', 'write every event as NDJSON, as it arrives')
    .option('--timeout <s>', 'stop watching (exit 5) after this many seconds; the run goes on')
    .option('--transport <sse|ws>', 'read the stream over SSE (default) or the WebSocket route')
    .action(
      act(async (id: string, options: Record<string, unknown>) => {
        const { attachCommand } = await import('./attach-command.js');
        return attachCommand(id, options, io);
      }),
    );

  remote(program.command('status').description("print a stream's state").argument('<stream-id>', 'the stream'))
    .option('--json', 'print the raw JSON state')
    .action(
      act(async (id: string, options: Record<string, unknown>) => {
        const { statusCommand } = await import('./status-command.js');
        return statusCommand(id, options, io);
      }),
    );

  remote(program.command('list').description("the server's streams, newest first"))
    .option('--json', 'print the states as a JSON array')
    .action(
      act(async (options: Record<string, unknown>) => {
        const { listCommand } = await import('./list-command.js');
        return listCommand(options, io);
      }),
    );

  remote(program.command('cancel').description('cancel a running stream').argument('<stream-id>', 'the stream')).action(
    act(async (id: string, options: Record<string, unknown>) => {
      const { cancelCommand } = await import('./cancel-command.js');
      return cancelCommand(id, options, io);
    }),
  );

  progress(
    program
      .command('replay')
      .description('redraw a saved run from its --events log')
      .argument('<events.ndjson>', 'a log written by run --events'),
  )
    .option('--output <file>', 'write the deliverable as Markdown')
    .action(
      act(async (file: string, options: Record<string, unknown>) => {
        const { replayCommand } = await import('./replay-command.js');
        return replayCommand(file, options, io);
      }),
    );

  program
    .command('config')
    .description('read and change settings: get <key> | set <key> <value> | unset <key> | list | path')
    .argument('[action]', 'get, set, unset, list or path')
    .argument('[args...]', 'the key, and for set the value')
    .option('--json', 'list: print one JSON object')
    .option('--show-secrets', 'list: print API keys unmasked')
    .addHelpText('after', CONFIG_HELP)
    .action(
      act(async (action: string | undefined, args: string[], options: Record<string, unknown>) => {
        const { configCommand } = await import('./config-command.js');
        return configCommand(action, args, options, io);
      }),
    );

  program
    .command('cache')
    .description("the stage cache shared by every run on this machine: info (entries, bytes, hits) | clear")
    .argument('[action]', 'info or clear')
    .option('--json', 'info: print one JSON object')
    .option('--store <url>', 'the cache of the servers sharing this Redis store (env CORCH_STORE) instead of this machine\'s')
    .action(
      act(async (action: string | undefined, options: Record<string, unknown>) => {
        const { cacheCommand } = await import('./cache-command.js');
        return cacheCommand(action, options, io);
      }),
    );

  // Usage errors from commander itself (unknown flag, bad choice) carry the command they happened in.
  const override = (cmd: Command): void => {
    cmd.exitOverride((error) => {
      if (error.code.startsWith('commander.help') || error.code === 'commander.version') throw error;
      throw new CommandUsageError(error.message.replace(/^error: /, ''), cmd);
    });
    for (const sub of cmd.commands) override(sub);
  };
  override(program);
  return program;
}

/** `corch run [options] [task] [context-json]` for the usage hint. */
function usageOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return `${names.join(' ')} ${cmd.usage()}`;
}
