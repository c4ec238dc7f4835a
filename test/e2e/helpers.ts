import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

/** Any ANSI escape (CSI, OSC, single-character): the plain and CI outputs must contain none. */
export const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/;

/** The built CLI shim (a snapshot made by global-setup.ts). */
export function corchBin(): string {
  return inject('corchBin');
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The environment for a CLI process: the parent's PATH and HOME only (no provider keys, no CORCH_* from
 * the developer's shell, no CI unless asked), plus a private config directory. The stage cache is off
 * (a replayed stage would change what a test watches) unless a test sets CORCH_CACHE_DIR or CORCH_CACHE.
 */
export function cliEnv(configDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { CORCH_CONFIG_DIR: configDir, NO_UPDATE_NOTIFIER: '1' };
  if (extra.CORCH_CACHE_DIR === undefined) env.CORCH_CACHE = 'off';
  for (const key of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process with its output collected as it arrives. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<CliResult>;
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const live = new Set<ChildProcess>();

/** Spawns `node <bin> ...args`; every process spawned is killed by {@link killAll}. */
export function spawnCli(args: string[], options: { env: Record<string, string>; cwd?: string; input?: string }): CliProcess {
  return spawnCommand(process.execPath, [corchBin(), ...args], options);
}

/** Spawns any command (the single binary, npx) with its output collected; killed by {@link killAll} too. */
export function spawnCommand(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; input?: string },
): CliProcess {
  const stdin = options.input === undefined ? 'ignore' : 'pipe';
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: [stdin, 'pipe', 'pipe'] });
  if (options.input !== undefined) child.stdin?.end(options.input);
  live.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = (out + err).match(pattern);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`timed out waiting for ${pattern}; stdout:\n${out}\nstderr:\n${err}`);
        }
        await sleep(25);
      }
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: { env: Record<string, string>; cwd?: string; input?: string }): Promise<CliResult> {
  return spawnCli(args, options).exited;
}

/** Kills every CLI process still running (afterEach/afterAll). */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a command exists on PATH. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `corch serve --port 0` as a process, with the URL it printed. */
export async function startServeProcess(env: Record<string, string>, extra: string[] = []): Promise<{ proc: CliProcess; url: string }> {
  const proc = spawnCli(['serve', '--port', '0', ...extra], { env });
  const [url] = await proc.waitFor(/http:\/\/127\.0\.0\.1:\d+/);
  return { proc, url };
}
