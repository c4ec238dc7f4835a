#!/usr/bin/env node
// The baseline: a bare node:http SSE fan-out server, the straightforward one a competent engineer writes
// for this job. Same routes and frames as corch (retry:, id:/event:/data: one-line JSON, heartbeat comment
// plus heartbeat event), an in-memory log per stream, subscribers with cursors, no framework. Every event
// is serialised once and written to each subscriber with one res.write.
//
// Started by the bench harness with an IPC channel: `node --expose-gc baseline-server.mjs --mode M
// [--heartbeat S] [--recording FILE]`. Modes: idle (task_started, then nothing), ticker (latency probe),
// replay (a recorded corch run at full speed), per-token (the same run, one event per model token),
// burst-ticker (a fast model's bursts at a steady pace, one event per token), saturated (a producer that
// appends as fast as it can, `--burst` events per event-loop turn).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { notify, serveIpc } from '../lib/ipc.mjs';
import { probeHandlers } from '../lib/server-probe.mjs';
import { perTokenEvents, runBurstTicker, runReplay, runSaturated, runTicker, taskStartedData } from '../lib/workloads.mjs';

const { values: opts } = parseArgs({
  options: {
    mode: { type: 'string', default: 'idle' },
    heartbeat: { type: 'string', default: '15' },
    // Accepted for symmetry with corch's wrapper; the straightforward server has no caps.
    max: { type: 'string' },
    recording: { type: 'string' },
    rate: { type: 'string', default: '100' },
    count: { type: 'string', default: '300' },
    burst: { type: 'string', default: '8' },
  },
});

const RETRY_MS = 3000;
const HEARTBEAT_MS = Number(opts.heartbeat) * 1000;
const recording = opts.recording ? JSON.parse(readFileSync(opts.recording, 'utf8')) : undefined;

/** @type {Map<string, {id: string, log: string[], subs: Set<http.ServerResponse>, done: boolean, status: string, lastAt: number}>} */
const streams = new Map();
let nextStream = 1;
let openSubscribers = 0;
// Runs wait for the harness's "go", so that every subscriber is connected first. Each "go" releases the
// runs created so far; runs created later wait for the next one.
const newGate = () => {
  let release;
  const promise = new Promise((resolve) => {
    release = resolve;
  });
  return { promise, release };
};
let gate = newGate();
const releaseGate = () => {
  const released = gate;
  gate = newGate();
  released.release();
};

function append(stream, name, fields) {
  const seq = stream.log.length + 1;
  const data = { stream_id: stream.id, seq, timestamp: new Date().toISOString(), ...fields };
  const frame = `id: ${seq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  stream.log.push(frame);
  stream.lastAt = Date.now();
  for (const res of stream.subs) res.write(frame);
  if (name === 'task_completed' || name === 'task_error') {
    stream.done = true;
    stream.status = name === 'task_completed' ? 'completed' : 'error';
    for (const res of stream.subs) res.end();
    stream.subs.clear();
  }
}

async function run(stream) {
  const emit = (name, data) => append(stream, name, data);
  if (opts.mode === 'idle') {
    emit('task_started', taskStartedData('idle'));
    return;
  }
  await gate.promise;
  if (opts.mode === 'ticker') await runTicker(emit, { rate: Number(opts.rate), count: Number(opts.count) });
  else if (opts.mode === 'replay') await runReplay(emit, { events: recording, burst: Number(opts.burst) });
  else if (opts.mode === 'burst-ticker') {
    const push = (tokens) => append(stream, 'token_stream', { tokens, agent: 'Coder', chunk_number: 1, stage: 'coder' });
    await runBurstTicker(push, async () => {}, emit, { rate: Number(opts.rate), count: Number(opts.count), burst: Number(opts.burst) });
  } else if (opts.mode === 'saturated') await runSaturated(emit, { count: Number(opts.count), perTurn: Number(opts.burst), awaitEach: false });
  else if (opts.mode === 'per-token') await runReplay(emit, { events: perTokenEvents(recording), burst: Number(opts.burst) });
  else throw new Error(`unknown mode ${opts.mode}`);
}

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function createStream(req, res) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    let task;
    try {
      task = JSON.parse(body).task;
    } catch {
      return json(res, 400, { error: { code: 'E_INVALID_JSON', message: 'body is not JSON' } });
    }
    const id = `s${nextStream++}`;
    const stream = { id, log: [], subs: new Set(), done: false, status: 'running', lastAt: Date.now() };
    streams.set(id, stream);
    json(res, 201, {
      stream_id: id,
      task,
      status: 'running',
      created_at: new Date().toISOString(),
      events_url: `/api/stream/events/${id}`,
      status_url: `/api/stream/status/${id}`,
    });
    run(stream).catch((error) => append(stream, 'task_error', { error: String(error), details: null, code: 'E_RUN', stage: null, retryable: false }));
  });
}

function subscribe(req, res, id, url) {
  const stream = streams.get(id);
  if (!stream) return json(res, 404, { error: { code: 'E_NOT_FOUND', message: `no stream ${id}` } });
  const cursor = Number(req.headers['last-event-id'] ?? url.searchParams.get('last_event_id') ?? 0);
  if (stream.done && cursor >= stream.log.length) {
    res.writeHead(204);
    return res.end();
  }
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  });
  res.write(`retry: ${RETRY_MS}\n\n`);
  for (let seq = cursor + 1; seq <= stream.log.length; seq++) res.write(stream.log[seq - 1]);
  if (stream.done) return res.end();
  stream.subs.add(res);
  openSubscribers++;
  res.on('close', () => {
    if (stream.subs.delete(res)) openSubscribers--;
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/api/stream/task') return createStream(req, res);
  if (req.method === 'GET' && url.pathname.startsWith('/api/stream/events/')) {
    return subscribe(req, res, decodeURIComponent(url.pathname.slice('/api/stream/events/'.length)), url);
  }
  if (req.method === 'GET' && url.pathname === '/healthz') {
    return json(res, 200, { ok: true, streams: streams.size, subscribers: openSubscribers });
  }
  json(res, 404, { error: { code: 'E_NOT_FOUND', message: 'no such route' } });
});
server.keepAliveTimeout = 5000;
// SSE responses stay open; node's default request timeout (300 s) would cut long runs.
server.requestTimeout = 0;

// One heartbeat round: every open subscriber gets a comment and a heartbeat event.
setInterval(() => {
  const now = Date.now();
  for (const stream of streams.values()) {
    if (stream.subs.size === 0) continue;
    const data = {
      stream_id: stream.id, seq: stream.log.length, timestamp: new Date(now).toISOString(),
      status: stream.status, current_agent: null, idle_ms: now - stream.lastAt,
    };
    const frame = `: keep-alive\n\nevent: heartbeat\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of stream.subs) res.write(frame);
  }
}, HEARTBEAT_MS).unref();

serveIpc({
  ...probeHandlers(),
  go() {
    releaseGate();
    return {};
  },
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  notify('listening', { url: `http://127.0.0.1:${port}`, pid: process.pid });
});
