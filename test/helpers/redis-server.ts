/**
 * Real Redis for the tests: Debian's `redis-server`, started on a free loopback port with its own data
 * directory under the OS tmp dir, and a real 3-master Redis Cluster built with `redis-cli --cluster create`.
 * Tests call {@link redisMissing} first and skip with its reason when the binaries are not installed.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER_BIN = process.env.CORCH_TEST_REDIS_SERVER ?? 'redis-server';
const CLI_BIN = process.env.CORCH_TEST_REDIS_CLI ?? 'redis-cli';
/** How long a redis-server gets to answer PING after it is spawned. */
const START_TIMEOUT_MS = 10_000;
/** How long a new cluster gets to agree on its slots (cluster_state:ok on every node). */
const CLUSTER_TIMEOUT_MS = 20_000;
const POLL_MS = 50;
/** A cluster node also listens on its port + 10000 (the cluster bus), which must be free too. */
const CLUSTER_BUS_OFFSET = 10_000;

function installed(bin: string): boolean {
  return spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Why the Redis tests are skipped, or undefined when redis-server and redis-cli are there. */
export const redisMissing: string | undefined = !installed(SERVER_BIN)
  ? `redis-server is not installed (apt-get install redis-server)`
  : !installed(CLI_BIN)
    ? `redis-cli is not installed (apt-get install redis-tools)`
    : undefined;

export interface RedisServerOptions {
  /** Turn on the append-only file (fsync always), so a restart keeps everything acknowledged. */
  aof?: boolean;
  /** Extra `--name value` arguments. */
  args?: string[];
  /** Run as a cluster node (used by {@link startRedisCluster}). */
  clusterNode?: boolean;
}

/** One redis-server process. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  /** Stops the process (SIGKILL when `hard`, else SIGTERM) and waits for it to exit; the data dir is kept. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and data dir. */
  start(): Promise<void>;
  /** Runs one command through redis-cli and returns its raw output. */
  cli(...args: string[]): Promise<string>;
  /** Stops the process and removes the data dir. */
  close(): Promise<void>;
}

/** Starts a redis-server on a free port with its own data dir; call `close()` in `afterAll`. */
export async function startRedis(options: RedisServerOptions = {}): Promise<TestRedis> {
  const port = await freePort(options.clusterNode === true);
  const dir = mkdtempSync(join(tmpdir(), 'corch-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
    '--appendonly',
    options.aof ? 'yes' : 'no',
    ...(options.aof ? ['--appendfsync', 'always'] : []),
    ...(options.clusterNode
      ? ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']
      : []),
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    output = '';
    child = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    live.add(child);
    const current = child;
    current.once('exit', () => live.delete(current));
    await waitUntil(() => ping(port), START_TIMEOUT_MS, () => `redis-server on ${port} did not start: ${output}`);
  };
  const stop = async (hard = false) => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    start,
    cli: (...command) => runCli(['-p', String(port), ...command]),
    close: async () => {
      await stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A 3-master Redis Cluster on loopback. */
export interface TestRedisCluster {
  readonly nodes: readonly TestRedis[];
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts three cluster-enabled redis-servers and joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const nodes = await Promise.all([0, 1, 2].map(() => startRedis({ clusterNode: true })));
  const close = async () => {
    await Promise.all(nodes.map((node) => node.close()));
  };
  try {
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await runCli(['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    await waitUntil(
      async () => {
        const infos = await Promise.all(nodes.map((node) => node.cli('cluster', 'info')));
        return infos.every((info) => info.includes('cluster_state:ok'));
      },
      CLUSTER_TIMEOUT_MS,
      () => 'the Redis Cluster did not reach cluster_state:ok',
    );
    return { nodes, url: `redis-cluster://${addresses.join(',')}`, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const live = new Set<ChildProcess>();
// A test run that dies before its afterAll must not leave redis-servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(CLI_BIN, args, { timeout: CLUSTER_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Whether something on `port` answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A port free right now (and, for a cluster node, its bus port as well). */
async function freePort(withBus: boolean): Promise<number> {
  for (;;) {
    const port = await listenOnce(0);
    if (!withBus) return port;
    if (port + CLUSTER_BUS_OFFSET > 65_535) continue;
    const bus = await listenOnce(port + CLUSTER_BUS_OFFSET).catch(() => undefined);
    if (bus !== undefined) return port;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}
