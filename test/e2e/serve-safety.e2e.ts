import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, killAll, runCli, startServeProcess, tempDir } from './helpers.js';

// The built CLI: what `corch serve` refuses and warns about, and what it answers a foreign page.
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('corch-e2e-serve-safety-');
});
afterEach(() => killAll());
afterAll(() => tmp.remove());

describe('corch serve safety, as a process', () => {
  it('refuses a blank --api-key with a clear message and the usage exit code', async () => {
    const result = await runCli(['serve', '--port', '0', '--api-key', ' '], { env: cliEnv(tmp.dir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/`--api-key` is blank; give a key of at least 16 characters/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('answers a foreign Host and a foreign Origin with 403 JSON', async () => {
    const { proc, url } = await startServeProcess(cliEnv(tmp.dir));
    const origin = await fetch(`${url}/api/streams`, { headers: { Origin: 'http://attacker.example' } });
    expect(origin.status).toBe(403);
    expect(((await origin.json()) as { error: { code: string } }).error.code).toBe('E_FORBIDDEN_ORIGIN');
    const plain = await fetch(`${url}/api/stream/task`, { method: 'POST', body: '{"task":"t"}' });
    expect(plain.status).toBe(415);
    proc.child.kill('SIGTERM');
  });
});
