/**
 * Debian's nginx as a load balancer in front of corch servers, for the e2e tests: its own prefix, config and
 * temp dirs under the OS tmp dir, a free loopback port, one process (no master, no daemon), stopped in
 * afterAll. The config is the one docs/deploy.md documents, with the test's ports filled in.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NGINX_BIN = process.env.CORCH_TEST_NGINX ?? '/usr/sbin/nginx';
const START_TIMEOUT_MS = 10_000;

/** Why the nginx tests are skipped, or undefined when nginx is installed. */
export const nginxMissing: string | undefined =
  spawnSync(NGINX_BIN, ['-v'], { stdio: 'ignore' }).status === 0 ? undefined : `nginx is not installed at ${NGINX_BIN} (apt-get install nginx)`;

export interface TestNginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly config: string;
  close(): Promise<void>;
}

/** The `http {}` part of docs/deploy.md's config for upstream servers `backends` ("host:port"). */
export function corchNginxSite(listen: string, backends: readonly string[]): string {
  return `
upstream corch {
${backends.map((backend) => `    server ${backend} max_fails=1 fail_timeout=5s;`).join('\n')}
    keepalive 16;
}

server {
    listen ${listen};

    location / {
        proxy_pass http://corch;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header Connection "";
        # Event streams: no buffering (corch also sends X-Accel-Buffering: no), and no idle cut
        # while a run is quiet (corch sends a keep-alive every 15 s).
        proxy_buffering off;
        proxy_read_timeout 1h;
        # A server that is down or restarting: try the next one.
        proxy_next_upstream error timeout http_502 http_503;
    }

    location /api/stream/ws/ {
        proxy_pass http://corch;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_read_timeout 1h;
    }
}
`;
}

/** Starts nginx balancing over `backends`. */
export async function startNginx(backends: readonly string[]): Promise<TestNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'corch-nginx-'));
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'temp'));
  const port = await freePort();
  const temp = (name: string) => `${name}_temp_path ${join(prefix, 'temp', name)};`;
  const config = `
daemon off;
master_process off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 512; }
http {
    access_log off;
    ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n    ')}
${corchNginxSite(`127.0.0.1:${port}`, backends)}
}
`;
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, config);
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', prefix, '-c', file, '-e', join(prefix, 'logs', 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${readLog(prefix)}`);
    const up = await fetch(`${url}/healthz`).then(
      (response) => response.status !== 0,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}${readLog(prefix)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    config,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

function readLog(prefix: string): string {
  try {
    return readFileSync(join(prefix, 'logs', 'error.log'), 'utf8');
  } catch {
    return '';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
