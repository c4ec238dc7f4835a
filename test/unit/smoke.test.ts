import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/protocol/sse.js';

describe('sse encode', () => {
  it('frames an event with id, event and one-line data', () => {
    expect(encodeEvent('task_started', { a: 'x\ny' }, 1)).toBe('id: 1\nevent: task_started\ndata: {"a":"x\\ny"}\n\n');
  });
});
