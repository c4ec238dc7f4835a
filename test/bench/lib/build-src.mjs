// corch's sources compiled for the bench: `tsc` (a devDependency) emits src/ as plain ESM into
// .tmp/bench-dist, so the server wrapper can import startServer, createRunner and the StreamManager with a
// custom runner. The compiled code is what unbuild bundles (same target), without the bundling.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BENCH_DIST = path.join(ROOT, '.tmp', 'bench-dist');

/** Compiles src/ (type errors are reported but do not stop the emit); throws if nothing usable came out. */
export function buildSources({ quiet = true } = {}) {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', BENCH_DIST,
      '--declaration', 'false', '--sourceMap', 'false', '--incremental', 'false'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0 && !quiet) process.stderr.write(r.stdout + r.stderr);
  const entry = path.join(BENCH_DIST, 'src/server/index.js');
  if (!existsSync(entry)) throw new Error(`compiling src/ produced no ${entry}:\n${r.stdout}${r.stderr}`);
  return { typeErrors: r.status !== 0 };
}

/** Builds dist/ (the CLI as shipped) with the package's own build script. */
export function buildPackage() {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}
