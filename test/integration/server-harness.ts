/** Shared by the server integration tests: real servers on 127.0.0.1:0, real HTTP clients. */
import { type RunningServer, type ServerOptions, startServer } from '../../src/server/index.js';
import { createSseDecoder, type DecodedMessage } from '../../src/protocol/sse.js';
import type { CreatedStream } from '../../src/protocol/task-request.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';

const running = new Set<RunningServer>();

/** Starts a server on an ephemeral loopback port; {@link closeServers} closes it after the test. */
export async function serve(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ runner: new ScriptedRunner(), host: '127.0.0.1', port: 0, ...options });
  running.add(server);
  return server;
}

export async function closeServers(): Promise<void> {
  const servers = [...running];
  running.clear();
  await Promise.all(servers.map((server) => server.close('shutdown')));
}

export async function createStream(
  server: RunningServer,
  body: unknown = { task: 'test task' },
  headers: Record<string, string> = {},
): Promise<CreatedStream> {
  const response = await fetch(`${server.url}/api/stream/task`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`create answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as CreatedStream;
}

export interface SseRead {
  status: number;
  headers: Headers;
  messages: DecodedMessage[];
  retries: number[];
  comments: string[];
}

/** Reads a whole SSE response (until the server ends it). */
export async function readSse(url: string, headers: Record<string, string> = {}): Promise<SseRead> {
  const response = await fetch(url, { headers });
  const out: SseRead = { status: response.status, headers: response.headers, messages: [], retries: [], comments: [] };
  const decoder = createSseDecoder({
    onEvent: (message) => out.messages.push(message),
    onRetry: (ms) => out.retries.push(ms),
    onComment: (text) => out.comments.push(text),
  });
  if (!response.body) return out;
  for await (const chunk of response.body) decoder.feed(chunk);
  return out;
}

/** An open SSE response read message by message. */
export interface SseSubscription {
  status: number;
  headers: Headers;
  /** Resolves with the next decoded message (heartbeats included), or undefined once the response ended. */
  next(): Promise<DecodedMessage | undefined>;
  /** Messages until (and including) the first terminal event; stops early if the response ends. */
  untilTerminal(): Promise<DecodedMessage[]>;
  comments: string[];
  close(): void;
}

export async function subscribe(url: string, headers: Record<string, string> = {}): Promise<SseSubscription> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const queue: DecodedMessage[] = [];
  const comments: string[] = [];
  const decoder = createSseDecoder({
    onEvent: (message) => queue.push(message),
    onComment: (text) => comments.push(text),
  });
  const reader = response.body?.getReader();
  let done = reader === undefined;
  const next = async (): Promise<DecodedMessage | undefined> => {
    while (queue.length === 0 && !done && reader) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) done = true;
      else decoder.feed(chunk.value);
    }
    return queue.shift();
  };
  return {
    status: response.status,
    headers: response.headers,
    comments,
    next,
    async untilTerminal() {
      const messages: DecodedMessage[] = [];
      for (;;) {
        const message = await next();
        if (!message) return messages;
        messages.push(message);
        if (message.event.event === 'task_completed' || message.event.event === 'task_error') return messages;
      }
    },
    close: () => controller.abort(),
  };
}

/** Ids of the stored events among `messages` (heartbeats have none). */
export function ids(messages: DecodedMessage[]): number[] {
  return messages.filter((message) => message.id !== undefined).map((message) => Number(message.id));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** Polls (one event-loop turn at a time) until `check` holds. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
