import { describe, expect, it } from 'vitest';
import { makeRenderer } from '../../src/cli/watch-stream.js';
import { BufferStream, fakeIo } from './fake-io.js';

function modeFor(options: { tty: boolean; env?: Record<string, string>; pipedStdout?: boolean; requested?: 'auto' | 'plain' | 'json' | 'tty' | 'quiet' }): string {
  const io = fakeIo([], options.env ?? {}, { tty: options.tty });
  if (options.pipedStdout) io.stdout = new BufferStream();
  const renderer = makeRenderer(options.requested ?? 'auto', io);
  renderer.dispose();
  return renderer.mode;
}

describe('--progress auto', () => {
  it('is the dashboard on an interactive terminal', () => {
    expect(modeFor({ tty: true })).toBe('tty');
  });

  it('is the dashboard when only stdout is redirected: corch run "…" > result.md still shows it', () => {
    expect(modeFor({ tty: true, pipedStdout: true })).toBe('tty');
  });

  it('is plain under CI and when stderr is not a terminal', () => {
    expect(modeFor({ tty: true, env: { CI: 'true' } })).toBe('plain');
    expect(modeFor({ tty: false })).toBe('plain');
  });

  it('an explicit mode wins', () => {
    expect(modeFor({ tty: false, requested: 'tty' })).toBe('tty');
    expect(modeFor({ tty: true, requested: 'json' })).toBe('json');
    expect(modeFor({ tty: true, requested: 'quiet' })).toBe('quiet');
  });
});
