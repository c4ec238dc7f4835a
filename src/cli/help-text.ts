// Plain strings for `--help`; kept free of imports beyond the smallest shared constants so `--help` stays fast.
import { STAGE_ROLES } from '../protocol/events.js';
import { PROVIDER_NAMES } from '../providers/types.js';

/** The "Exit codes" section, shown under `corch --help` and `corch run --help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success: the run completed (or the command did what it was asked)
  1  the run failed (a stage failed, a budget ran out before there was code) or a file could not be written
  2  bad usage: unknown flag or value, missing or unquoted task, context not a JSON object, bad --output, bad config
  3  the run was cancelled (Ctrl-C, SIGTERM or SIGHUP on run, corch cancel, or the server shut down)
  4  the server could not be reached, or refused the API key
  5  --timeout elapsed before the run ended (run cancels it; attach stops watching)
  130  attach stopped watching on Ctrl-C; the run goes on
`;

/** Shown under `corch --help`. */
export const HOME_HELP = `
Examples:
  $ corch run "write a function that parses ISO dates"
  $ corch run "add retries" '{"language": "go"}' --provider openai --model gpt-4o-mini
  $ corch serve --port 8000          # then, elsewhere: CORCH_BASE_URL=http://127.0.0.1:8000 corch run "…"

With no --base-url / CORCH_BASE_URL / config baseUrl, run starts an embedded server on 127.0.0.1.
With no provider configured and no provider key in the environment, runs use a local Ollama if one
answers, else the offline "simulated" provider (no model is called; good for a first try).

Environment: CORCH_BASE_URL, CORCH_API_KEY, CORCH_PROVIDER, CORCH_MODEL, CORCH_PROGRESS, CORCH_CONFIG_DIR,
  CORCH_STORE (serve), OPENAI_API_KEY, ANTHROPIC_API_KEY, OPENROUTER_API_KEY, OPENAI_BASE_URL,
  ANTHROPIC_BASE_URL, OLLAMA_HOST, NO_COLOR, FORCE_COLOR, CI.
`;

/** Shown under `corch run --help`. */
export const RUN_EXAMPLES_HELP = `
Examples:
  $ corch run "a CSV parser" --provider simulated
  $ corch run "a CSV parser" '{"language": "rust"}' --stage-model coder=gpt-4o --max-cost 0.50
  $ CI=true corch run "a CSV parser" --output result.md --events run.ndjson
  $ corch run - < task.txt                                           # the task from stdin
  $ corch run "a CSV parser" --base-url http://build-box:8000 --detach   # prints the stream id
  $ corch run "a CSV parser" --consensus coder=gpt-4o,claude-sonnet-4-5   # two Coders, a Judge picks one

Progress: auto = the tty dashboard on an interactive terminal (unless CI is set), else plain lines.
Ctrl-C cancels the run on the server and waits for the confirmation; a second Ctrl-C exits at once.
Stages answered before are replayed from the stage cache (corch cache info); --no-cache calls the models.
`;

/** Shown under `corch config --help`. */
export const CONFIG_HELP = `
Keys:
  baseUrl                 server URL for run/attach/status/cancel (unset: run starts an embedded server)
  apiKey                  API key sent to that server (masked in config list)
  provider                default provider: ${PROVIDER_NAMES.join(', ')}
  model                   default model for every stage
  progress                default --progress: auto, tty, plain, json, quiet
  stageModels.<role>      model for one stage; roles: ${STAGE_ROLES.join(', ')}
  stages.<role>.temperature | .maxTokens
                          sampling for one stage: temperature 0–2, maxTokens a whole number ≥ 1
  providers.<name>.baseUrl | .apiKey | .model
                          per-provider settings for the embedded server and serve
  prices.<model>          "<input>,<output>" USD per 1M tokens, for the embedded server and serve;
                          everything after "prices." is the model name (prices.gpt-4.1 2,8)
  budget.maxSeconds | .stageSeconds | .maxCost
                          default budgets for the embedded server and serve (a run's flags win)

Precedence: flags > environment > config file > defaults. The file is readable by its owner only;
CORCH_CONFIG_DIR moves it.

Examples:
  $ corch config set baseUrl http://127.0.0.1:8000
  $ corch config set stageModels.coder gpt-4o
  $ corch config set stages.reviewer.temperature 0.1
  $ corch config set prices.my-finetune 0.5,1.5
  $ corch config list
`;
