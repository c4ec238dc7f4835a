import { describe, expect, it } from 'vitest';
import { errorFromStatus, errorFromStreamPayload } from '../../src/providers/http-errors.js';
import { DEFAULT_RETRY_POLICY, retryDelayMs } from '../../src/providers/retry.js';
import { parseRetryAfter } from '../../src/providers/retry-after.js';

const ctx = { label: 'OpenAI', url: 'https://llm.test/v1/chat/completions', keyHint: 'OPENAI_API_KEY' };

describe('HTTP status → CorchError', () => {
  it.each([
    [401, 'E_PROVIDER_AUTH', false],
    [403, 'E_PROVIDER_AUTH', false],
    [402, 'E_PROVIDER_AUTH', false],
    [400, 'E_PROVIDER_BAD_REQUEST', false],
    [404, 'E_PROVIDER_BAD_REQUEST', false],
    [422, 'E_PROVIDER_BAD_REQUEST', false],
    [408, 'E_PROVIDER_UNAVAILABLE', true],
    [429, 'E_PROVIDER_RATE_LIMIT', true],
    [500, 'E_PROVIDER_UNAVAILABLE', true],
    [502, 'E_PROVIDER_UNAVAILABLE', true],
    [503, 'E_PROVIDER_UNAVAILABLE', true],
    [529, 'E_PROVIDER_UNAVAILABLE', true],
    [418, 'E_PROVIDER_UNKNOWN', false],
  ])('%i → %s (retryable %s)', (status, code, retryable) => {
    const error = errorFromStatus(status, '{"error":{"message":"vendor says no","type":"x"}}', ctx);
    expect(error).toMatchObject({ code, retryable, status });
    expect(error.message).toContain('vendor says no');
    expect(error.message).toContain(ctx.url);
  });

  it('quotes a non-JSON body, shortened', () => {
    const error = errorFromStatus(502, `<html>${'x'.repeat(2000)}</html>`, ctx);
    expect(error.message.length).toBeLessThan(700);
  });

  it('maps error events: busy before the first token is retryable as unavailable, after it a stream error', () => {
    const payload = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    expect(errorFromStreamPayload(payload, ctx, true)).toMatchObject({ code: 'E_PROVIDER_UNAVAILABLE', retryable: true });
    expect(errorFromStreamPayload(payload, ctx, false)).toMatchObject({ code: 'E_PROVIDER_STREAM', retryable: true });
    const invalid = { error: { type: 'invalid_request_error', message: 'bad' } };
    expect(errorFromStreamPayload(invalid, ctx, true)).toMatchObject({ code: 'E_PROVIDER_STREAM', retryable: false });
  });
});

describe('Retry-After and backoff', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const h = (init: Record<string, string>) => new Headers(init);

  it.each([
    [{ 'retry-after': '7' }, 7000],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': 'Sun, 01 Mar 2026 12:00:10 GMT' }, 10_000],
    [{ 'retry-after': 'Sun, 01 Mar 2026 11:00:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    [{}, undefined],
  ])('%j → %s ms', (headers, ms) => {
    expect(parseRetryAfter(h(headers), now)).toBe(ms);
  });

  it('backs off exponentially with equal jitter, capped, and caps Retry-After', () => {
    const p = DEFAULT_RETRY_POLICY;
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(p, n, undefined, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(retryDelayMs(p, 1, undefined, () => 0)).toBe(250);
    expect(retryDelayMs(p, 1, 120_000, () => 0)).toBe(30_000);
  });
});
