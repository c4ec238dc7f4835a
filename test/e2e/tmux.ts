import { execFileSync } from 'node:child_process';
import { sleep } from './helpers.js';

/**
 * A real terminal for the tty dashboard: a private tmux server (its own socket, so it never touches the
 * developer's sessions) running one command in a detached session of a fixed size.
 */
export class TmuxTerminal {
  private readonly socket = `corch-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly session = 'corch';

  constructor(
    readonly columns = 100,
    readonly rows = 30,
  ) {}

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /**
   * Starts `command` (a shell line) in the terminal. After it ends, the shell prints `[exit N]` and
   * waits, so the final screen and the exit code stay readable.
   */
  start(command: string, env: Record<string, string>, cwd = process.cwd()): void {
    const exports = Object.entries(env)
      .map(([k, v]) => `${k}=${shellQuote(v)}`)
      .join(' ');
    // `env -i`: only the given variables, so the developer's (or CI's) environment cannot leak in.
    const line = `cd ${shellQuote(cwd)} && env -i ${exports} ${command}; echo "[exit $?]"; sleep 600`;
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', this.session, '-x', String(this.columns), '-y', String(this.rows), line);
  }

  /** The visible screen, as text lines. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session);
  }

  /** The scrollback and the visible screen, oldest line first. */
  scrollback(): string {
    return this.tmux('capture-pane', '-p', '-S', '-', '-t', this.session);
  }

  /** Sends keys (`C-c`, …) to the terminal. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** Whether the terminal shows its cursor (a program that hid it must show it again on exit). */
  cursorVisible(): boolean {
    return this.tmux('display-message', '-p', '-t', this.session, '#{cursor_flag}').trim() === '1';
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', this.session, '-x', String(columns), '-y', String(rows));
  }

  /** Waits until the screen matches `pattern`; returns the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.screen();
      if (pattern.test(screen)) return screen;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${pattern} on the screen:\n${screen}`);
  }

  /** Kills the private tmux server and everything running in it. */
  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
