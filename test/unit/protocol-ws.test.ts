import { describe, expect, it } from 'vitest';
import { decodeWsMessage, keysFromProtocols, WS_CLOSE, wsCloseCodeFor, wsCloseReason, wsProtocols } from '../../src/protocol/ws.js';

describe('the WebSocket subprotocol key', () => {
  it('round-trips any key, multibyte included, through the base64url subprotocol', () => {
    for (const key of ['sekrit', 'a+b/c=d', 'ключ-🔑', 'x'.repeat(200)]) {
      const protocols = wsProtocols(key);
      expect(protocols[0]).toBe('corch');
      expect(protocols[1]).toMatch(/^corch\.key\.[A-Za-z0-9_-]+$/);
      expect(keysFromProtocols(protocols.join(', '))).toEqual([key]);
    }
    expect(wsProtocols(undefined)).toEqual(['corch']);
    expect(wsProtocols('')).toEqual(['corch']);
  });

  it('ignores protocols that are not keys, and keys that are not base64url', () => {
    expect(keysFromProtocols(undefined)).toEqual([]);
    expect(keysFromProtocols('corch, chat')).toEqual([]);
    expect(keysFromProtocols('corch.key.a=b, corch.key.')).toEqual([]);
  });
});

describe('close codes and reasons', () => {
  it('maps the errors that end a connection before its first event to documented codes', () => {
    expect(wsCloseCodeFor('E_NOT_FOUND')).toBe(WS_CLOSE.NOT_FOUND);
    expect(wsCloseCodeFor('E_INVALID_REQUEST')).toBe(WS_CLOSE.BAD_REQUEST);
    expect(wsCloseCodeFor('E_TOO_MANY_CONNECTIONS')).toBe(WS_CLOSE.TRY_AGAIN_LATER);
    expect(wsCloseCodeFor('E_SHUTDOWN')).toBe(WS_CLOSE.GOING_AWAY);
    expect(wsCloseCodeFor('E_INTERNAL')).toBe(WS_CLOSE.INTERNAL);
  });

  it('cuts a reason to the 123 bytes a close frame holds, on a character boundary', () => {
    const reason = wsCloseReason('E_INVALID_REQUEST', 'é'.repeat(100));
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).toMatch(/^E_INVALID_REQUEST: é+$/);
    expect(wsCloseReason('E_X', 'short')).toBe('E_X: short');
  });
});

describe('decodeWsMessage', () => {
  it('decodes stored events with their id and heartbeats without', () => {
    expect(decodeWsMessage('{"id":3,"event":"system_message","data":{"seq":3,"message":"m"}}')).toEqual({
      id: 3,
      event: { event: 'system_message', data: { seq: 3, message: 'm' } },
    });
    expect(decodeWsMessage('{"event":"heartbeat","data":{"seq":3}}').id).toBeUndefined();
  });

  it('says what is wrong with a message it cannot use', () => {
    expect(() => decodeWsMessage('nope')).toThrow('a WebSocket message that is not JSON');
    expect(() => decodeWsMessage('[1]')).toThrow(/unknown event/);
    expect(() => decodeWsMessage('7')).toThrow('not a JSON object');
    expect(() => decodeWsMessage('{"event":"made_up","data":{}}')).toThrow('unknown event "made_up"');
    expect(() => decodeWsMessage('{"event":"task_started","data":1}')).toThrow('data that is not a JSON object');
    expect(() => decodeWsMessage('{"id":0,"event":"task_started","data":{}}')).toThrow('not a positive integer');
  });
});
