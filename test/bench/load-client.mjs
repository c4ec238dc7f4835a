#!/usr/bin/env node
// The load client: many SSE subscribers over raw http.request (or WebSocket subscribers with the `ws` client) (one socket each: keepAlive off, no socket
// cap), started by the harness as a child process and driven over IPC. For every subscriber it counts
// events, checks that `id:` (= seq) is contiguous, and in latency mode reads the append time carried inside
// each event to compute append→receipt latency.
import http from 'node:http';
import { WebSocket } from 'ws';
import { notify, serveIpc } from './lib/ipc.mjs';
import { Samples, percentileSorted } from './lib/stats.mjs';
import { LATENCY_MARK, monoMs } from './lib/workloads.mjs';

const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/** @typedef {{ seqFirst: number, seqLast: number, events: number, gaps: number, heartbeats: number, comments: number,
 *   terminal: string | undefined, terminalData: any, ended: boolean, error: string | undefined, lastAt: number,
 *   req: http.ClientRequest | undefined, recorded: {event: string, data: any}[] | undefined, buf: string }} Sub */

/** @type {Sub[]} */
let subs = [];
let mode = 'count';
let latencies = new Samples(1 << 16);
let doneWaiters = [];

function newSub(record) {
  return {
    seqFirst: 0, seqLast: 0, events: 0, gaps: 0, heartbeats: 0, comments: 0, terminal: undefined,
    terminalData: undefined, ended: false, error: undefined, lastAt: 0, req: undefined,
    recorded: record ? [] : undefined, buf: '',
  };
}

function onFrame(sub, frame, at) {
  if (frame.charCodeAt(0) === 58 /* ':' */) {
    sub.comments++;
    return;
  }
  let id;
  let event = 'message';
  let data = '';
  let pos = 0;
  while (pos < frame.length) {
    let nl = frame.indexOf('\n', pos);
    if (nl === -1) nl = frame.length;
    const line = frame.slice(pos, nl);
    pos = nl + 1;
    if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data = line.slice(6);
    else if (line.charCodeAt(0) === 58) sub.comments++;
  }
  if (event === 'heartbeat') {
    sub.heartbeats++;
    return;
  }
  if (id === undefined) return; // retry: frame
  if (sub.seqLast === 0) sub.seqFirst = id;
  else if (id !== sub.seqLast + 1) sub.gaps++;
  sub.seqLast = id;
  sub.events++;
  sub.lastAt = at;
  if (mode === 'latency' && event === 'token_stream') {
    for (const m of data.matchAll(LATENCY_MARK)) latencies.push(at - Number(m[1]));
  }
  if (sub.recorded) sub.recorded.push({ event, data: JSON.parse(data) });
  if (event === 'task_completed' || event === 'task_error') {
    sub.terminal = event;
    sub.terminalData = JSON.parse(data);
  }
}

function onChunk(sub, chunk) {
  const at = monoMs();
  let buf = sub.buf + chunk;
  let start = 0;
  for (let end = buf.indexOf('\n\n'); end !== -1; end = buf.indexOf('\n\n', start)) {
    onFrame(sub, buf.slice(start, end), at);
    start = end + 2;
  }
  sub.buf = start === 0 ? buf : buf.slice(start);
  buf = '';
}

function markEnded(sub, error) {
  if (sub.ended) return;
  sub.ended = true;
  if (error && !sub.error) sub.error = error;
  if (doneWaiters.length && subs.every((s) => s.ended)) {
    for (const resolve of doneWaiters) resolve();
    doneWaiters = [];
  }
}

const ID_PREFIX = '{"id":';
const EVENT_FIELD = '"event":"';

/** One WebSocket message (`{"id":…,"event":"…","data":…}`), read the way onFrame reads an SSE frame. */
function onMessage(sub, text, at) {
  const eventAt = text.indexOf(EVENT_FIELD) + EVENT_FIELD.length;
  const event = text.slice(eventAt, text.indexOf('"', eventAt));
  if (event === 'heartbeat') {
    sub.heartbeats++;
    return;
  }
  if (!text.startsWith(ID_PREFIX)) return;
  const id = Number(text.slice(ID_PREFIX.length, text.indexOf(',', ID_PREFIX.length)));
  if (sub.seqLast === 0) sub.seqFirst = id;
  else if (id !== sub.seqLast + 1) sub.gaps++;
  sub.seqLast = id;
  sub.events++;
  sub.lastAt = at;
  if (mode === 'latency' && event === 'token_stream') {
    for (const m of text.matchAll(LATENCY_MARK)) latencies.push(at - Number(m[1]));
  }
  if (sub.recorded || event === 'task_completed' || event === 'task_error') {
    const { data } = JSON.parse(text);
    if (sub.recorded) sub.recorded.push({ event, data });
    if (event === 'task_completed' || event === 'task_error') {
      sub.terminal = event;
      sub.terminalData = data;
    }
  }
}

/** Opens one WebSocket subscription (`/api/stream/ws/{id}`); resolves once it is open. */
function openWs(base, id, sub) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/stream/ws/${encodeURIComponent(id)}`, ['corch'], { perMessageDeflate: false });
    ws.on('open', () => resolve(true));
    ws.on('message', (data) => onMessage(sub, data.toString('utf8'), monoMs()));
    ws.on('close', (code) => markEnded(sub, sub.terminal ? undefined : `closed (${code}) before the terminal event`));
    ws.on('error', (e) => {
      markEnded(sub, e.message);
      resolve(false);
    });
    sub.req = { destroy: () => ws.terminate() };
  });
}

/** Opens one subscription; resolves once the response headers and the first bytes (retry:) have arrived. */
function open(base, path, sub) {
  return new Promise((resolve) => {
    const req = http.request(`${base}${path}`, { agent, headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        markEnded(sub, `HTTP ${res.statusCode}`);
        res.resume();
        resolve(false);
        return;
      }
      res.setEncoding('utf8');
      let first = true;
      res.on('data', (chunk) => {
        onChunk(sub, chunk);
        if (first) {
          first = false;
          resolve(true);
        }
      });
      res.on('end', () => markEnded(sub));
      res.on('close', () => markEnded(sub, sub.terminal ? undefined : 'closed before the terminal event'));
      res.on('error', (e) => markEnded(sub, e.message));
    });
    req.on('error', (e) => {
      markEnded(sub, e.message);
      resolve(false);
    });
    req.end();
    sub.req = req;
  });
}

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` in flight. */
async function pool(count, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function post(base, path, body) {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = http.request(
      `${base}${path}`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } },
      (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          answer += c;
        });
        res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(answer)) : reject(new Error(`POST ${path}: HTTP ${res.statusCode} ${answer}`))));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

function summary() {
  let events = 0;
  let gaps = 0;
  let incomplete = 0;
  let heartbeats = 0;
  let open = 0;
  let lastAt = 0;
  const errors = new Map();
  for (const s of subs) {
    events += s.events;
    gaps += s.gaps;
    heartbeats += s.heartbeats;
    if (!s.ended) open++;
    if (s.ended && !s.terminal) incomplete++;
    if (s.error) errors.set(s.error, (errors.get(s.error) ?? 0) + 1);
    if (s.lastAt > lastAt) lastAt = s.lastAt;
  }
  const seqs = new Set(subs.map((s) => `${s.seqFirst}-${s.seqLast}`));
  return {
    subscribers: subs.length, open, events, gaps, incomplete, heartbeats, lastAt,
    // Every subscriber saw the same contiguous range from 1: nothing lost, nothing repeated.
    contiguous: gaps === 0 && incomplete === 0 && seqs.size === 1 && subs.every((s) => s.seqFirst === 1 || s.events === 0),
    errors: Object.fromEntries(errors),
  };
}

serveIpc({
  /** POSTs `count` tasks; answers the stream ids and the time taken. */
  async create({ base, count, body, concurrency = 64 }) {
    const ids = new Array(count);
    const t0 = monoMs();
    await pool(count, concurrency, async (i) => {
      ids[i] = (await post(base, '/api/stream/task', body)).stream_id;
    });
    return { ids, ms: monoMs() - t0 };
  },
  /** Opens one subscriber per entry of `ids` (repeat an id to fan out); answers once all are connected. */
  async subscribe({ base, ids, concurrency = 256, mode: m = 'count', record = false, transport = 'sse' }) {
    mode = m;
    subs = ids.map((_, i) => newSub(record && i === 0));
    latencies = new Samples(1 << 16);
    const t0 = monoMs();
    let failed = 0;
    await pool(ids.length, concurrency, async (i) => {
      const opened =
        transport === 'ws'
          ? await openWs(base, ids[i], subs[i])
          : await open(base, `/api/stream/events/${encodeURIComponent(ids[i])}`, subs[i]);
      if (!opened) failed++;
    });
    return { ms: monoMs() - t0, failed, errors: summary().errors };
  },
  /** Waits until every subscriber has ended (or the timeout); answers counts, contiguity and latencies. */
  async 'wait-done'({ timeoutMs = 60_000 }) {
    if (!subs.every((s) => s.ended)) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        doneWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const result = summary();
    result.timedOut = !subs.every((s) => s.ended);
    result.terminalData = subs[0]?.terminalData;
    result.recorded = subs[0]?.recorded;
    const sorted = latencies.sorted();
    result.latency = {
      samples: sorted.length,
      p50: percentileSorted(sorted, 50),
      p99: percentileSorted(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    };
    return result;
  },
  summary,
  'close-all'() {
    for (const s of subs) s.req?.destroy();
    subs = [];
    return {};
  },
});
notify('ready');
