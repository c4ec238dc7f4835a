#!/usr/bin/env node
// `npm run fuzz`: 100,000 malformed, hostile and valid requests over loopback against the built
// `corch serve` (a real process, simulated provider), from raw sockets so that nothing is cleaned up on the
// way. It checks that every answer has the JSON error shape (or is a 2xx JSON, 204 or event stream), that no
// answer is a 5xx, that the server's RSS stays bounded, and that /healthz answers throughout. Prints the
// figures and exits non-zero on any violation.
//
//   node test/fuzz/http-fuzz.mjs [--requests 100000] [--concurrency 48] [--seed 1]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '48' },
    seed: { type: 'string', default: '1' },
  },
});
const TOTAL = Number(opts.requests);
const CONCURRENCY = Number(opts.concurrency);
/** A request the server has not answered in this long counts as unanswered. */
const REQUEST_TIMEOUT_MS = 40_000;
const HEALTH_INTERVAL_MS = 250;
const RSS_INTERVAL_MS = 500;

// Deterministic PRNG (mulberry32), so a failing run can be repeated with its seed.
let state = Number(opts.seed) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(random() * items.length)];
const chance = (p) => random() < p;
const int = (max) => Math.floor(random() * max);

// ---- the server under test -------------------------------------------------------------------------
const bin = fileURLToPath(new URL('../../bin/corch.mjs', import.meta.url));
const server = spawn(process.execPath, [bin, 'serve', '--port', '0', '--provider', 'simulated', '--max-streams', '2000'], {
  env: { ...process.env, CORCH_CONFIG_DIR: '/nonexistent-corch-fuzz', NO_COLOR: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
// The server is this script's child: never leave it behind, whatever ends the script.
process.on('exit', () => server.kill('SIGKILL'));
let serverLog = '';
server.stderr.on('data', (chunk) => {
  serverLog += chunk;
});
const port = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (match) resolve(Number(match[1]));
  });
  server.once('exit', (code) => reject(new Error(`corch serve exited (${code}): ${serverLog}`)));
});
const HOST = `127.0.0.1:${port}`;

// ---- request generators ----------------------------------------------------------------------------
const streamIds = [];
const validTask = () => ({ task: `fuzz ${int(1e6)}`, provider_options: { tokens_per_second: 0 } });
const junk = (n) => Array.from({ length: n }, () => String.fromCharCode(int(0x7f))).join('');
function nested(depth) {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
const bodies = [
  () => JSON.stringify(validTask()),
  () => JSON.stringify({ ...validTask(), stream: true, context: { k: 'v' } }),
  () => JSON.stringify({ task: 'x', context: JSON.parse(nested(50)) }),
  () => `{"task":"x","context":${nested(int(20_000))}}`,
  () => JSON.stringify({ task: pick([42, null, '', '  ', [], {}, true]) }),
  () => JSON.stringify({ task: 'x', [junk(8)]: 1 }),
  () => JSON.stringify({ task: 'x', stages: { [pick(['coder', 'nope', '__proto__'])]: { temperature: pick([-1, 3, 'hot', 0.5]) } } }),
  () => JSON.stringify({ task: 'x', budget: { max_seconds: pick([0, -5, 'soon', 1e308]) } }),
  () => JSON.stringify({ task: 'x', on_disconnect: pick(['cancel', 'later', 7]) }),
  () => JSON.stringify({ task: 'x', provider: pick(['simulated', 'nope', 5]) }),
  () => JSON.stringify({ task: 'x'.repeat(int(100_000)) }),
  () => '{"task": ',
  () => junk(int(200)),
  () => '',
  () => '[1,2,3]',
  () => '\u00ff\u00fe\u00fd',
];
const methods = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'BREW', 'G ET', ''];
function path() {
  const id = streamIds.length > 0 && chance(0.5) ? pick(streamIds) : pick(['abc', '0', junk(10).replace(/[\s/?#]/g, '_'), 'x'.repeat(200)]);
  return pick([
    '/api/stream/task',
    `/api/stream/status/${id}`,
    `/api/stream/${id}/cancel`,
    `/api/stream/${id}`,
    `/api/streams?limit=${pick(['1', '0', '5000', 'x', '10'])}${chance(0.3) ? `&before=${pick(['2020-01-01T00:00:00Z', 'x'])}` : ''}`,
    '/healthz',
    `/api/stream/events/${id}?last_event_id=${pick(['0', '-1', '99999', 'x'])}`,
    '/',
    '/nope',
    '*',
    'http://[',
    `http://${HOST}/healthz`,
    'http://attacker.example/api/streams',
    `/${junk(int(50)).replace(/[\s]/g, '%20')}`,
    `/${'a/'.repeat(int(3000))}`,
  ]);
}
function headerSet(body) {
  const headers = [];
  if (!chance(0.03)) headers.push(`Host: ${chance(0.9) ? HOST : pick(['attacker.example', '', 'localhost', '[::1]', junk(5)])}`);
  if (body !== undefined) {
    if (chance(0.9)) headers.push(`Content-Type: ${pick(['application/json', 'application/json', 'text/plain', 'application/json; charset=utf-8', junk(6)])}`);
    if (chance(0.93)) headers.push(`Content-Length: ${chance(0.97) ? Buffer.byteLength(body) : pick(['x', '-1', '99999999999999999999'])}`);
    else headers.push('Transfer-Encoding: chunked');
  }
  if (chance(0.1)) headers.push(`Origin: ${pick(['http://attacker.example', `http://${HOST}`, 'null'])}`);
  if (chance(0.05)) headers.push(`X-Big: ${'a'.repeat(int(40_000))}`);
  if (chance(0.03)) headers.push(pick(['bad header', 'X-Nul: a\u0000b', ': empty-name', 'X-Bad\u00e9: 1']));
  if (chance(0.03)) headers.push(`Expect: ${pick(['100-continue', 'teapot'])}`);
  if (chance(0.05)) headers.push(`Last-Event-ID: ${pick(['1', 'x', '-3'])}`);
  if (chance(0.05)) headers.push(`Authorization: Bearer ${junk(int(30))}`);
  headers.push('Connection: close');
  return headers;
}
/** A well-formed request a real client sends: start a run, or read one. */
function valid() {
  // Runs cost CPU (the whole simulated pipeline): most valid requests read existing streams.
  if (streamIds.length > 0 && chance(0.8)) {
    const id = pick(streamIds);
    const path = pick([`/api/stream/status/${id}`, `/api/stream/events/${id}`, `/api/stream/${id}/cancel`, '/api/streams?limit=5']);
    const method = path.endsWith('/cancel') ? 'POST' : 'GET';
    return { bytes: Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`), hangUp: chance(0.05) };
  }
  const body = JSON.stringify(validTask());
  const head = `POST /api/stream/task HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  return { bytes: Buffer.from(head + body), hangUp: false };
}

function build() {
  if (chance(0.03)) return valid();
  const method = pick(methods);
  const withBody = method === 'POST' || chance(0.05);
  let body = withBody ? pick(bodies)() : undefined;
  const headers = headerSet(body);
  if (body !== undefined && headers.includes('Transfer-Encoding: chunked')) {
    body = chance(0.8) ? `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n` : `zz\r\n${body}`;
  }
  const version = pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1']);
  const head = `${method} ${path()} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`;
  const hangUp = chance(0.06);
  return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body ?? '', 'utf8')]), hangUp };
}

// ---- one raw request -------------------------------------------------------------------------------
const tally = { sent: 0, answered: 0, hungUp: 0, closedUnanswered: 0, sse: 0, noContent: 0, page: 0, byStatus: {}, notJson: [], fiveXx: [] };
function send({ bytes, hangUp }) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let raw = Buffer.alloc(0);
    let done = false;
    const finish = (kind) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(kind === 'closed' ? classify(raw, bytes) : kind);
    };
    const timer = setTimeout(() => {
      if (process.env.FUZZ_DEBUG) process.stderr.write(`unanswered: ${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))}\n`);
      finish('timeout');
    }, REQUEST_TIMEOUT_MS);
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('data', (chunk) => {
      raw = Buffer.concat([raw, chunk]);
      // An event stream stays open: its headers are the answer.
      if (/content-type: text\/event-stream/i.test(raw.subarray(0, 2048).toString('latin1'))) finish('sse');
    });
    socket.on('connect', () => {
      if (hangUp) {
        socket.write(bytes.subarray(0, Math.max(1, int(bytes.length))));
        setImmediate(() => finish('hungUp'));
      } else socket.write(bytes);
    });
  });
}
function classify(raw, bytes) {
  let text = raw.toString('utf8');
  // Interim answers (100 Continue) come before the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(text) && text.includes('\r\n\r\n')) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  const end = text.indexOf('\r\n\r\n');
  if (end === -1 && text.length === 0 && process.env.FUZZ_DEBUG) {
    process.stderr.write(`closed unanswered: ${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))}\n`);
  }
  if (end === -1) return text.length === 0 ? 'closedUnanswered' : { status: -1, text };
  const head = text.slice(0, end);
  const status = Number(head.split(' ')[1]);
  const body = text.slice(end + 4);
  return { status, head, body };
}
function isPageAnswer(head) {
  return (
    /^content-type: (text\/html|text\/css|text\/javascript|application\/javascript|image\/)/im.test(head) &&
    /^content-security-policy: /im.test(head)
  );
}
function record(result) {
  if (typeof result === 'string') {
    if (result === 'timeout') tally.fiveXx.push('no answer within 40 s');
    else if (result === 'sse') tally.sse += 1;
    else tally[result] += 1;
    return;
  }
  tally.answered += 1;
  tally.byStatus[result.status] = (tally.byStatus[result.status] ?? 0) + 1;
  if (!(result.status >= 100 && result.status < 500)) tally.fiveXx.push(`${result.status}: ${result.head?.slice(0, 200)} ${result.body?.slice(0, 200)}`);
  if (result.status === 204 || /^HEAD /.test('')) {
    tally.noContent += 1;
    return;
  }
  // The web page at / (and its assets) is the one answer that is not JSON by design: a success with a web
  // content type and the page's Content-Security-Policy. Its errors are still JSON, and counted below.
  if (result.status < 400 && isPageAnswer(result.head ?? '')) {
    tally.page += 1;
    return;
  }
  const json = /content-type: application\/json/i.test(result.head ?? '');
  let shaped = false;
  if (json) {
    try {
      const parsed = JSON.parse(result.body);
      shaped = result.status < 400 ? typeof parsed === 'object' : typeof parsed?.error?.code === 'string' && typeof parsed?.error?.message === 'string';
      if (process.env.FUZZ_DEBUG && result.status === 400 && chance(0.01)) process.stderr.write(`400: ${result.body.slice(0, 200)}\n`);
      if (result.status === 201 && typeof parsed.stream_id === 'string') streamIds.push(parsed.stream_id);
    } catch {
      shaped = false;
    }
  }
  // A HEAD answer has JSON headers and no body by design.
  if (!shaped && !(json && result.body === '')) tally.notJson.push(`${result.status}: ${(result.head ?? result.text ?? '').slice(0, 160)}`);
}

// ---- probes: /healthz throughout, and the server's RSS ---------------------------------------------
const health = { ok: 0, failed: 0, maxMs: 0 };
let probing = true;
const healthLoop = (async () => {
  while (probing) {
    const started = performance.now();
    const result = await send({ bytes: Buffer.from(`GET /healthz HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`), hangUp: false });
    const ms = performance.now() - started;
    if (typeof result === 'object' && result.status === 200) health.ok += 1;
    else health.failed += 1;
    health.maxMs = Math.max(health.maxMs, ms);
    await new Promise((resolve) => setTimeout(resolve, HEALTH_INTERVAL_MS));
  }
})();
const rss = { startMiB: 0, maxMiB: 0, endMiB: 0 };
const rssOf = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
rss.startMiB = rssOf();
const rssTimer = setInterval(() => {
  rss.maxMiB = Math.max(rss.maxMiB, rssOf());
}, RSS_INTERVAL_MS);

// ---- run ---------------------------------------------------------------------------------------------
const began = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < TOTAL) {
      next += 1;
      tally.sent += 1;
      record(await send(build()));
      if (tally.sent % 10_000 === 0) process.stderr.write(`fuzz: ${tally.sent}/${TOTAL}, RSS ${rssOf().toFixed(0)} MiB\n`);
    }
  }),
);
const seconds = (performance.now() - began) / 1000;
probing = false;
await healthLoop;
clearInterval(rssTimer);
rss.endMiB = rssOf();
rss.maxMiB = Math.max(rss.maxMiB, rss.endMiB);
server.kill('SIGTERM');

const internalErrors = (serverLog.match(/internal error/g) ?? []).length;
const report = {
  requests: tally.sent,
  seconds: Math.round(seconds),
  answered: tally.answered,
  event_streams: tally.sse,
  hung_up_by_fuzzer: tally.hungUp,
  closed_without_answer: tally.closedUnanswered,
  statuses: tally.byStatus,
  web_page_answers: tally.page,
  not_json_shaped: tally.notJson.length,
  five_xx_or_unanswered: tally.fiveXx.length,
  server_internal_errors_logged: internalErrors,
  rss_mib: { start: Math.round(rss.startMiB), max: Math.round(rss.maxMiB), end: Math.round(rss.endMiB) },
  healthz: { answered: health.ok, failed: health.failed, max_ms: Math.round(health.maxMs) },
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
for (const line of [...tally.notJson.slice(0, 10), ...tally.fiveXx.slice(0, 10)]) process.stderr.write(`  ${line}\n`);
const failed = tally.notJson.length > 0 || tally.fiveXx.length > 0 || health.failed > 0 || internalErrors > 0;
process.exit(failed ? 1 : 0);
