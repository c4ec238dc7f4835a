import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat-completions request the fake server answered. */
export interface RecordedRequest {
  model: string;
  temperature: number;
  system: string;
}

/** A local OpenAI-compatible server (`POST /v1/chat/completions`, streaming) that records every request. */
export interface FakeOpenAiServer {
  /** The base URL to give as `OPENAI_BASE_URL`, ending in `/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1, port 0. Each answer fits its role (read from the system prompt): a clean
 * review as JSON for the Reviewer, a pick of candidate 1 for the Judge, a few lines of text otherwise,
 * streamed as OpenAI does (content deltas, a finish chunk, a usage chunk, `[DONE]`).
 */
export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      const parsed = JSON.parse(body) as { model: string; temperature: number; messages: { role: string; content: string }[] };
      const system = parsed.messages.find((m) => m.role === 'system')?.content ?? '';
      requests.push({ model: parsed.model, temperature: parsed.temperature, system });
      const text = answerFor(system, parsed.model);
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const chunk = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
      for (const piece of text.match(/.{1,12}/gs) ?? []) chunk({ choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      chunk({ choices: [], usage: { prompt_tokens: 100, completion_tokens: Math.ceil(text.length / 4) } });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The same request always gets the same answer, as a cache assumes. */
function answerFor(system: string, model: string): string {
  if (system.startsWith('You are the Reviewer')) {
    return JSON.stringify({ issues_found: false, critical_issues: [], suggestions: ['name things well'], code_quality_score: 9 });
  }
  if (system.startsWith('You are the Judge')) return JSON.stringify({ choice: 1, reason: 'the first is as good as any' });
  const role = /^You are the (\w+)/.exec(system)?.[1] ?? 'Someone';
  return `${role} answer from ${model}.\n\`\`\`ts\nexport const answer = ${JSON.stringify(role)};\n\`\`\`\n`;
}
