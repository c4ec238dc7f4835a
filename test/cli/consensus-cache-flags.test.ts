import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCacheSettings } from '../../src/cli/cache-settings.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runMain } from '../../src/cli/program.js';
import { planRun } from '../../src/cli/run-command.js';
import { fakeIo } from './fake-io.js';

// A private config directory, so the developer's config never leaks into the plan.
const configDir = mkdtempSync(join(tmpdir(), 'corch-flags-'));
afterAll(() => rmSync(configDir, { recursive: true, force: true }));
const io = (argv: string[]) => fakeIo(argv, { CORCH_CONFIG_DIR: configDir });

describe('corch run --consensus and --no-cache', () => {
  it('puts candidates and cache: false into the request', () => {
    const plan = planRun('x', undefined, { consensus: ['coder=3', 'architect=gpt-4o, claude-sonnet-4-5'], cache: false, stageModel: ['coder=big'] }, io([]));
    expect(plan.request.stages).toMatchObject({
      coder: { model: 'big', candidates: 3 },
      architect: { candidates: ['gpt-4o', 'claude-sonnet-4-5'] },
    });
    expect(plan.request.cache).toBe(false);
    expect(planRun('x', undefined, {}, io([])).request.cache).toBeUndefined();
  });

  it.each([
    [['run', 'x', '--consensus', 'reviewer=2'], /^corch: --consensus: `stages\.reviewer\.candidates` is not available: only architect, coder, refiner, documenter can run as consensus stages$/m],
    [['run', 'x', '--consensus', 'coder=0'], /--consensus: `stages\.coder\.candidates` must be a whole number from 1 to 8 or a list of models, got 0/],
    [['run', 'x', '--consensus', 'coder=a,,b'], /--consensus: `stages\.coder\.candidates\[1\]` must be a non-empty string/],
    [['run', 'x', '--consensus', 'tester=2'], /--consensus: unknown stage "tester"/],
    [['run', 'x', '--consensus', 'coder'], /--consensus/],
  ])('%j is a usage error', async (argv, message) => {
    const fake = io(argv);
    expect(await runMain(fake)).toBe(EXIT.USAGE);
    expect(fake.stderr.text).toMatch(message);
  });
});

describe('resolveCacheSettings', () => {
  it('CORCH_CACHE_DIR, then XDG_CACHE_HOME, then the platform default', () => {
    expect(resolveCacheSettings({ CORCH_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' }, 'linux').dir).toBe('/c');
    expect(resolveCacheSettings({ XDG_CACHE_HOME: '/x', HOME: '/h' }, 'linux').dir).toBe(join('/x', 'corch'));
    expect(resolveCacheSettings({ HOME: '/h' }, 'linux').dir).toBe(join('/h', '.cache', 'corch'));
    expect(resolveCacheSettings({ HOME: '/h' }, 'darwin').dir).toBe(join('/h', 'Library', 'Caches', 'corch'));
    expect(resolveCacheSettings({ HOME: '/h', LOCALAPPDATA: 'C:/L' }, 'win32').dir).toBe(join('C:/L', 'corch', 'Cache'));
  });

  it('bounds and the switch from the environment; bad values are usage errors naming the variable', () => {
    const s = resolveCacheSettings({ HOME: '/h', CORCH_CACHE_TTL_DAYS: '0.5', CORCH_CACHE_MAX_MB: '10', CORCH_CACHE: 'off' }, 'linux');
    expect(s).toMatchObject({ ttlMs: 12 * 3600 * 1000, maxBytes: 10 * 1024 * 1024, enabled: false });
    expect(resolveCacheSettings({ HOME: '/h' }, 'linux')).toMatchObject({ ttlMs: 7 * 24 * 3600 * 1000, enabled: true });
    expect(() => resolveCacheSettings({ HOME: '/h', CORCH_CACHE_TTL_DAYS: 'week' }, 'linux')).toThrow(
      'CORCH_CACHE_TTL_DAYS must be a number of days greater than 0, got "week"',
    );
    expect(() => resolveCacheSettings({ HOME: '/h', CORCH_CACHE_MAX_MB: '-1' }, 'linux')).toThrow('CORCH_CACHE_MAX_MB must be a number of megabytes greater than 0');
    expect(() => resolveCacheSettings({ HOME: '/h', CORCH_CACHE: 'maybe' }, 'linux')).toThrow('CORCH_CACHE must be on or off, got "maybe"');
  });
});

describe('corch cache', () => {
  it('needs an action', async () => {
    const fake = io(['cache']);
    expect(await runMain(fake)).toBe(EXIT.USAGE);
    expect(fake.stderr.text).toContain('corch cache needs an action: info or clear');
  });
});
