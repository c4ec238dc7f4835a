import type { StageRole } from '../protocol/events.js';
import { isCorchError } from '../protocol/errors.js';
import type { TaskBudget, TaskRequest } from '../protocol/task-request.js';
import { validateTaskRequest } from '../protocol/validate-task-request.js';
import type { ServerSettings } from '../orchestrator/settings.js';
import { usageError } from './cli-error.js';
import { openConfig } from './config-store.js';
import type { EmbeddedServer } from './embedded-server.js';
import { startTimeout } from './follow-stream.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import {
  parseConsensus,
  parseContext,
  parseNumber,
  parsePositive,
  parseProviderOptions,
  parseStageModels,
  type ProgressFlag,
} from './parse-options.js';
import {
  pickProgressMode,
  resolveModel,
  pickProvider,
  resolveRemote,
  resolveServerSettings,
  resolveStages,
  type Sourced,
} from './resolve-settings.js';
import { checkOutputPath, makeRenderer, openEventLog, watchStream } from './watch-stream.js';

/** `corch run` flags as commander hands them over. */
export interface RunOptions {
  baseUrl?: string;
  apiKey?: string;
  provider?: string;
  model?: string;
  stageModel?: string[];
  providerOption?: string[];
  maxSeconds?: string;
  maxCost?: string;
  progress?: string;
  output?: string;
  events?: string;
  detach?: boolean;
  timeout?: string;
  consensus?: string[];
  /** commander's `--no-cache`: false when given. */
  cache?: boolean;
  /** Positional arguments after the context: the words of an unquoted task. */
  extraArgs?: string[];
}

/** Everything `run` decided before touching the network. */
export interface RunPlan {
  request: TaskRequest;
  /** Unset: start the embedded server with `settings`. */
  remote: { baseUrl: Sourced<string>; apiKey?: string } | undefined;
  settings: ServerSettings;
  progress: ProgressFlag;
  timeoutSeconds: number | undefined;
  detach: boolean;
  output: string | undefined;
  events: string | undefined;
}

/**
 * Validates the arguments and resolves settings (flags > env > config > defaults) into a plan; every
 * mistake is a usage error here, before a server is started or a request sent.
 */
export function planRun(task: string | undefined, contextText: string | undefined, options: RunOptions, io: CliIo): RunPlan {
  const text = task?.trim();
  if (!text) throw usageError('missing task: say what to build, e.g. corch run "a CSV parser in Go"');
  checkQuoted(text, contextText, options.extraArgs ?? []);
  const context = parseContext(contextText);
  const stageFlags = parseStageModels(options.stageModel ?? []);
  const consensus = parseConsensus(options.consensus ?? []);
  const providerOptions = parseProviderOptions(options.providerOption ?? []);
  // Numbers only here: the limits (a cost budget may be 0) are the protocol validator's, checked below.
  const maxSeconds = parseNumber(options.maxSeconds, '--max-seconds');
  const maxCost = parseNumber(options.maxCost, '--max-cost');
  const timeoutSeconds = parsePositive(options.timeout, '--timeout');
  const config = openConfig(io.env).read();
  const progress = pickProgressMode(options.progress, io.env, config);
  const remote = resolveRemote(options, io.env, config);
  const detach = options.detach === true;
  if (detach && !remote.baseUrl) {
    throw usageError(
      '--detach needs a server that outlives this command, and the embedded one stops when corch exits: start `corch serve` and pass --base-url (or set CORCH_BASE_URL)',
    );
  }
  if (detach && (options.output || options.events || timeoutSeconds !== undefined)) {
    throw usageError('--detach cannot be combined with --output, --events or --timeout; follow the stream later with `corch attach <id> --output …`');
  }

  const provider = pickProvider(options.provider, io.env, config)?.value;
  const model = resolveModel(options.model, io.env, config);
  let stages = resolveStages(stageFlags, config);
  for (const [role, candidates] of Object.entries(consensus)) {
    stages = { ...stages, [role]: { ...stages?.[role as StageRole], candidates } };
  }
  const budget: TaskBudget = {
    ...(maxSeconds !== undefined ? { max_seconds: maxSeconds } : {}),
    ...(maxCost !== undefined ? { max_cost: maxCost } : {}),
  };
  const request: TaskRequest = {
    task: text,
    ...(context ? { context } : {}),
    ...(provider ? { provider } : {}),
    ...(model ? { model } : {}),
    ...(stages ? { stages } : {}),
    ...(Object.keys(providerOptions).length > 0 ? { provider_options: providerOptions } : {}),
    ...(Object.keys(budget).length > 0 ? { budget } : {}),
    // The command owns its run: if it dies without cancelling (kill -9, a dropped ssh), the server cancels
    // the run once nobody watches it. A detached run is a background job.
    ...(detach ? {} : { on_disconnect: 'cancel' as const }),
    ...(options.cache === false ? { cache: false } : {}),
  };
  checkRequest(request);
  return {
    request,
    remote: remote.baseUrl ? { baseUrl: remote.baseUrl, ...(remote.apiKey ? { apiKey: remote.apiKey } : {}) } : undefined,
    settings: remote.baseUrl ? {} : resolveServerSettings(io.env, config, options),
    progress,
    timeoutSeconds,
    detach,
    output: options.output,
    events: options.events,
  };
}

/**
 * `corch run write a csv parser` hands the shell's words over one by one: the second word would be taken
 * for the context. More words than two, or a second one that cannot be a JSON object, is an unquoted task.
 */
function checkQuoted(task: string, context: string | undefined, extra: readonly string[]): void {
  const words = [task, ...(context === undefined ? [] : [context]), ...extra];
  const looksLikeJson = context !== undefined && /^\s*[{["\d-]|^\s*(true|false|null)\s*$/.test(context);
  if (extra.length === 0 && (context === undefined || looksLikeJson)) return;
  throw usageError(`the task is one argument: quote it, e.g. corch run "${words.join(' ')}" (a second argument is the context, a JSON object)`);
}

/** `corch run -`: the task is read from stdin (a file or a pipe; a terminal would wait for ever, so it is refused). */
async function readTaskFromStdin(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) throw usageError('corch run - reads the task from stdin: pipe it in, e.g. corch run - < task.txt');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) throw usageError('corch run - read an empty task from stdin; pipe in what to build');
  return text;
}

/**
 * `corch run <task> [context-json]`: starts a stream (on the embedded server unless one is configured)
 * and draws it until it ends. Returns the exit code (see exit-codes.ts).
 */
export async function runCommand(
  task: string | undefined,
  contextText: string | undefined,
  options: RunOptions,
  io: CliIo,
): Promise<number> {
  const plan = planRun(task === '-' ? await readTaskFromStdin(io) : task, contextText, options, io);
  const { createCorchClient } = await import('../client/index.js');

  if (plan.detach && plan.remote) {
    const client = createCorchClient({ baseUrl: plan.remote.baseUrl.value, ...(plan.remote.apiKey ? { apiKey: plan.remote.apiKey } : {}) });
    const created = await client.createTask(plan.request);
    io.stdout.write(`${created.stream_id}\n`);
    // The hint must work as typed: a server named by flag is not known to the next command otherwise.
    const where = plan.remote.baseUrl.source === '--base-url' ? ` --base-url ${plan.remote.baseUrl.value}` : '';
    io.stderr.write(`started on ${client.baseUrl}; follow it with: corch attach ${created.stream_id}${where}\n`);
    return EXIT.OK;
  }

  // --timeout bounds the whole command, the setup (server start, task creation) included.
  const timeout = startTimeout(plan.timeoutSeconds);
  await checkOutputPath(plan.output, io);
  const renderer = makeRenderer(plan.progress, io);
  let server: EmbeddedServer | undefined;
  // Until the stream is being followed, Ctrl-C (or the deadline) abandons the setup; followStream takes over after.
  const setup = new AbortController();
  let timedOut = false;
  const offSetup = io.onSignal('SIGINT', () => setup.abort());
  const setupTimer =
    timeout === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          setup.abort();
        }, timeout.deadline - Date.now());
  setupTimer?.unref();
  try {
    const eventLog = openEventLog(plan, io);
    let baseUrl: string;
    let apiKey: string | undefined;
    if (plan.remote) {
      baseUrl = plan.remote.baseUrl.value;
      apiKey = plan.remote.apiKey;
    } else {
      const { startEmbeddedServer } = await import('./embedded-server.js');
      server = await startEmbeddedServer(io, plan.settings);
      baseUrl = server.url;
      apiKey = server.apiKey;
    }
    const client = createCorchClient({ baseUrl, ...(apiKey ? { apiKey } : {}) });
    let created: Awaited<ReturnType<typeof client.createTask>>;
    try {
      created = await client.createTask(plan.request, { signal: setup.signal });
    } catch (error) {
      eventLog?.close();
      if (setup.signal.aborted) return timedOut ? EXIT.TIMEOUT : EXIT.CANCELLED;
      throw error;
    }
    offSetup();
    clearTimeout(setupTimer);
    return await watchStream({
      client,
      streamId: created.stream_id,
      renderer,
      eventLog,
      io,
      owner: true,
      embedded: server !== undefined,
      output: plan.output,
      ...(timeout !== undefined ? { timeout } : {}),
    });
  } finally {
    offSetup();
    clearTimeout(setupTimer);
    renderer.dispose();
    await server?.close();
  }
}

/** The flag or argument that set each request field, for messages: `--max-cost: …` rather than `budget.max_cost`. */
const FLAG_FOR_FIELD: ReadonlyArray<[RegExp, string]> = [
  [/^budget\.max_cost$/, '--max-cost'],
  [/^budget\.max_seconds$/, '--max-seconds'],
  [/\.candidates(\[\d+\])?$/, '--consensus'],
  [/^stages\.\w+\.model$/, '--stage-model'],
  [/^model$/, '--model'],
  [/^provider_options/, '--provider-option'],
  [/^context/, 'the context argument'],
];

/**
 * Checks the request with the protocol's validator — the one the server applies at its door — so a request
 * the server would refuse is a usage error here, before a server starts or a request is sent.
 */
function checkRequest(request: TaskRequest): void {
  try {
    validateTaskRequest(request);
  } catch (error) {
    if (!isCorchError(error) || error.code !== 'E_INVALID_REQUEST') throw error;
    const field = typeof error.details === 'object' && error.details !== null ? (error.details as { field?: unknown }).field : undefined;
    const flag = typeof field === 'string' ? FLAG_FOR_FIELD.find(([pattern]) => pattern.test(field))?.[1] : undefined;
    throw usageError(flag ? `${flag}: ${error.message}` : error.message);
  }
}
