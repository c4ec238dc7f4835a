import { describe, expect, it, vi } from 'vitest';
import { processIo } from '../../src/cli/main.js';

describe('processIo signals', () => {
  it('a signal a command takes reaches it once: a dependency that re-raises it (like when-exit) is unhooked', () => {
    const io = processIo([]);
    const before = process.listenerCount('SIGINT');
    // What when-exit does when conf is loaded: catch the first SIGINT, then raise it again at the process.
    const reRaise = (): void => {
      process.emit('SIGINT');
    };
    process.once('SIGINT', reRaise);
    let calls = 0;
    const off = io.onSignal('SIGINT', () => {
      calls += 1;
    });
    try {
      expect(process.listeners('SIGINT')).not.toContain(reRaise);
      process.emit('SIGINT');
      expect(calls).toBe(1);
      // A second press is a second signal, however soon it comes: no time window decides.
      process.emit('SIGINT');
      expect(calls).toBe(2);
    } finally {
      off();
      process.off('SIGINT', reRaise);
    }
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('with conf loaded (it hooks when-exit), one SIGINT reaches the command once and is not raised again', async () => {
    const io = processIo([]);
    const before = process.listenerCount('SIGINT');
    await import('conf');
    expect(process.listenerCount('SIGINT')).toBeGreaterThan(before);
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    let calls = 0;
    const off = io.onSignal('SIGINT', () => {
      calls += 1;
    });
    try {
      process.emit('SIGINT');
      expect(calls).toBe(1);
      expect(kill).not.toHaveBeenCalled();
    } finally {
      off();
      kill.mockRestore();
    }
  });

  it('keeps the listeners that were there before the io was built, and other signals alone', () => {
    const earlier = (): void => {};
    process.on('SIGTERM', earlier);
    const io = processIo([]);
    const later = (): void => {};
    process.on('SIGHUP', later);
    const off = io.onSignal('SIGTERM', () => {});
    try {
      expect(process.listeners('SIGTERM')).toContain(earlier);
      expect(process.listeners('SIGHUP')).toContain(later);
    } finally {
      off();
      process.off('SIGTERM', earlier);
      process.off('SIGHUP', later);
    }
  });

  it('passes the arguments after the program name', () => {
    expect(processIo(['run', 'x']).argv).toEqual(['run', 'x']);
  });
});
