// Starting and always stopping the processes a scenario needs. Every child is registered, and the harness
// kills whatever is left on exit, on Ctrl-C, on SIGTERM and on an uncaught failure.
import { spawn } from 'node:child_process';

const live = new Set();
let hooked = false;

function killAll(signal = 'SIGKILL') {
  for (const child of live) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\nbench: ${sig}, stopping ${live.size} child process(es)`);
      killAll();
      process.exit(130);
    });
  }
}

/** RLIMIT_NOFILE raise attempted before exec'ing node (node raises soft to hard by itself too). */
export const WANTED_NOFILE = 65536;

/**
 * Starts `node [execArgv] script [args]` with an IPC channel, through bash so that `ulimit -n` can be raised
 * first. Returns a handle with `call(type, fields)` (request/answer), `onNotice`, `waitNotice` and `stop()`.
 * @param {string} script
 * @param {string[]} args
 * @param {{execArgv?: string[], env?: NodeJS.ProcessEnv, name?: string, cwd?: string}} [options]
 */
export function startChild(script, args = [], options = {}) {
  hookExit();
  const argv = [...(options.execArgv ?? []), script, ...args];
  const child = spawn(
    'bash',
    ['-c', `ulimit -n ${WANTED_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`, process.execPath, ...argv],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: options.env ?? process.env, cwd: options.cwd },
  );
  live.add(child);
  const name = options.name ?? script;
  let nextId = 1;
  const pending = new Map();
  const noticeHandlers = new Set();
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      for (const { reject } of pending.values()) reject(new Error(`${name} exited (${signal ?? code}) during a request`));
      pending.clear();
      resolve({ code, signal });
    });
  });
  child.on('message', (msg) => {
    if (msg && typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${name}: ${msg.error}`));
    } else if (msg && typeof msg.notice === 'string') {
      for (const handler of noticeHandlers) handler(msg);
    }
  });
  return {
    pid: child.pid,
    process: child,
    exited,
    /** Sends a request and waits for its answer (rejects after timeoutMs). */
    call(type, fields = {}, timeoutMs = 120_000) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: "${type}" got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, type, ...fields });
      });
    },
    onNotice(handler) {
      noticeHandlers.add(handler);
      return () => noticeHandlers.delete(handler);
    },
    /** Resolves with the first notice named `notice` (rejects after timeoutMs). */
    waitNotice(notice, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const off = this.onNotice((msg) => {
          if (msg.notice !== notice) return;
          off();
          clearTimeout(timer);
          resolve(msg);
        });
        const timer = setTimeout(() => {
          off();
          reject(new Error(`${name}: no "${notice}" within ${timeoutMs} ms`));
        }, timeoutMs);
      });
    },
    /** Asks the child to exit (SIGTERM: servers close and, under --cpu-prof, write their profile), then kills. */
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
