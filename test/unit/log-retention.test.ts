import { describe, expect, it } from 'vitest';
import { formatBytes, LogRetention } from '../../src/streams/log-retention.js';

const MINUTE = 60_000;

function retention(limits: Partial<{ maxStreamBytes: number; maxTotalBytes: number; maxFinished: number }> = {}) {
  const dropped: string[] = [];
  const policy = new LogRetention({ maxStreamBytes: 100, maxTotalBytes: 1000, maxFinished: 10, ...limits }, 60 * MINUTE);
  return { policy, dropped, drop: (id: string) => dropped.push(id) };
}

describe('LogRetention', () => {
  it('stops a stream at its own byte bound', () => {
    const { policy, drop } = retention();
    policy.started('a');
    policy.grew('a', 99);
    expect(policy.refusal('a', 0, drop)).toBeUndefined();
    policy.grew('a', 1);
    expect(policy.refusal('a', 0, drop)).toMatchObject({ code: 'E_LOG_TOO_LARGE', message: expect.stringMatching(/reached 100 bytes/) });
  });

  it('keeps at most maxFinished finished streams, dropping the oldest finished first (not the oldest created)', () => {
    const { policy, dropped, drop } = retention({ maxFinished: 2 });
    for (const id of ['a', 'b', 'c', 'd']) policy.started(id);
    policy.finished('b', 1, drop);
    policy.finished('a', 2, drop);
    policy.finished('d', 3, drop);
    expect(dropped).toEqual(['b']);
    expect(policy.finishedCount).toBe(2);
  });

  it('makes room in the total by dropping finished streams, never a running one', () => {
    const { policy, dropped, drop } = retention({ maxStreamBytes: 10_000, maxTotalBytes: 300 });
    for (const id of ['old', 'newer', 'running']) policy.started(id);
    policy.grew('old', 100);
    policy.grew('newer', 100);
    policy.finished('old', 1, drop);
    policy.finished('newer', 2, drop);
    policy.grew('running', 150);
    expect(policy.refusal('running', 3, drop)).toBeUndefined();
    expect(dropped).toEqual(['old']);
    expect(policy.totalBytes).toBe(250);
    policy.grew('running', 100);
    expect(policy.refusal('running', 4, drop)).toBeUndefined();
    expect(dropped).toEqual(['old', 'newer']);
    policy.grew('running', 100);
    expect(policy.refusal('running', 5, drop)).toMatchObject({ code: 'E_STORE_FULL' });
    expect(() => policy.assertRoom(5, drop)).toThrow(expect.objectContaining({ code: 'E_STORE_FULL', status: 503 }));
  });

  it('forgets finished streams once their TTL has passed (the store expired them), without dropping them', () => {
    const { policy, dropped, drop } = retention({ maxTotalBytes: 150 });
    policy.started('a');
    policy.grew('a', 100);
    policy.finished('a', 0, drop);
    policy.started('b');
    policy.grew('b', 60);
    expect(policy.refusal('b', 60 * MINUTE, drop)).toBeUndefined();
    expect(dropped).toEqual([]);
    expect(policy.totalBytes).toBe(60);
  });

  it('formats sizes in binary units', () => {
    expect([formatBytes(32 * 1024 * 1024), formatBytes(2048), formatBytes(1000)]).toEqual(['32 MiB', '2 KiB', '1000 bytes']);
  });
});
