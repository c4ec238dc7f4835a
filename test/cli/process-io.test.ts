import { describe, expect, it } from 'vitest';
import { processIo } from '../../src/cli/main.js';

describe('processIo signals', () => {
  it('takes one signal raised twice at once (as when-exit re-raises it) as one', async () => {
    const io = processIo([]);
    const before = process.listenerCount('SIGINT');
    let calls = 0;
    const off = io.onSignal('SIGINT', () => {
      calls += 1;
    });
    try {
      process.emit('SIGINT');
      process.emit('SIGINT');
      expect(calls).toBe(1);
      // A person pressing Ctrl-C again, later, is a second signal.
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.emit('SIGINT');
      expect(calls).toBe(2);
    } finally {
      off();
    }
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('passes the arguments after the program name', () => {
    expect(processIo(['run', 'x']).argv).toEqual(['run', 'x']);
  });
});
