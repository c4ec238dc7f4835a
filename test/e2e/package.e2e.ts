import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './freshness.js';
import { ANSI, cliEnv, corchBin, killAll, spawnCommand, tempDir } from './helpers.js';

/** The files `npm pack --json` lists, and the package's name and version. */
interface PackResult {
  filename: string;
  size: number;
  files: Array<{ path: string }>;
}

/**
 * Lifecycle scripts that npm runs when the package is installed from the registry. `prepare` (the build, for
 * checkouts and git installs) is not one of them: npm runs it only for git, directory and linked installs.
 */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

let tmp: ReturnType<typeof tempDir>;
let packed: PackResult;
let tarball: string;
beforeAll(() => {
  tmp = tempDir('corch-e2e-pack-');
  // The package is packed from a staging copy of the e2e snapshot: `npm pack` in the repository would run
  // `prepare` (a rebuild that cleans dist/) under colleagues' feet. The manifest and `files` are the real ones.
  const stage = join(tmp.dir, 'stage');
  mkdirSync(stage);
  for (const file of ['package.json', 'README.md', 'LICENSE']) cpSync(join(ROOT, file), join(stage, file));
  const snapshot = dirname(dirname(corchBin()));
  for (const dir of ['bin', 'dist']) cpSync(join(snapshot, dir), join(stage, dir), { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp.dir], {
    cwd: stage,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  packed = (JSON.parse(out) as PackResult[])[0] as PackResult;
  tarball = join(tmp.dir, packed.filename);
});
afterEach(() => killAll());
afterAll(() => tmp?.remove());

describe('the npm package', () => {
  it('holds only what a user needs: the shim, the build, its types, README, LICENSE and package.json', () => {
    const paths = packed.files.map((f) => f.path).sort();
    for (const path of paths) {
      expect(path).toMatch(/^(bin\/corch\.mjs|dist\/.+\.mjs|dist\/(index|react|shared\/.+)\.d\.mts|package\.json|README\.md|LICENSE)$/);
    }
    expect(paths).toEqual(
      expect.arrayContaining(['bin/corch.mjs', 'dist/cli/main.mjs', 'dist/index.mjs', 'dist/index.d.mts', 'dist/react.mjs', 'dist/web-assets.mjs', 'LICENSE']),
    );
    // The page ships once, inside dist/web-assets.mjs; the loose build output in dist/web stays out.
    expect(paths.filter((path) => path.startsWith('dist/web/'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const script of INSTALL_SCRIPTS) expect(manifest.scripts?.[script], script).toBeUndefined();
  });

  it('npx --yes <tarball> run … works in an empty directory', { timeout: 90_000 }, async () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    // `file:` makes npx treat an absolute path as a package, not as the command to run.
    const spec = `file:${tarball}`;
    const env = cliEnv(join(tmp.dir, 'config'), { CI: 'true' });
    const npx = spawnCommand('npx', ['--yes', '--prefer-offline', spec, 'run', 'a CSV parser', '--provider', 'simulated', '--provider-option', 'tokens_per_second=0', '--output', 'o.md'], {
      env,
      cwd: empty,
    });
    try {
      const r = await npx.exited;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(ANSI);
      expect(r.stderr).toMatch(/completed/);
      expect(readFileSync(join(empty, 'o.md'), 'utf8')).toMatch(/^#/m);

      // The programmatic API, as another project would import it from that install: the exports map
      // resolves by name to the server, the client and the protocol, with declarations beside them.
      const installed = npxInstallDir(spec, env);
      const api = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', "const m = await import('corch'); console.log(Object.keys(m).sort().join(' '));"],
        { cwd: installed, encoding: 'utf8' },
      );
      expect(api.trim().split(' ')).toEqual(expect.arrayContaining(['startServer', 'createCorchClient', 'EVENT_NAMES', 'encodeEvent']));
      const manifest = JSON.parse(readFileSync(join(installed, 'node_modules/corch/package.json'), 'utf8')) as {
        exports: { '.': { types: string } };
      };
      expect(readFileSync(join(installed, 'node_modules/corch', manifest.exports['.'].types), 'utf8')).toMatch(/createCorchClient/);
    } finally {
      removeNpxInstall(spec, env);
    }
  });
});

/** Where npx installed `spec`: `<npm cache>/_npx/<hash of the spec>` (as libnpmexec names it). */
function npxInstallDir(spec: string, env: Record<string, string>): string {
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return join(cache, '_npx', createHash('sha512').update(spec).digest('hex').slice(0, 16));
}

/** This test's spec is unique (a fresh temporary path), so its npx install is removed with it. */
function removeNpxInstall(spec: string, env: Record<string, string>): void {
  rmSync(npxInstallDir(spec, env), { recursive: true, force: true });
}
