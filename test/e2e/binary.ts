import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ROOT, sourcesChangedAt } from './freshness.js';

/** Where the end-to-end tests keep their binary, apart from `dist-bin/` which belongs to the developer. */
const BINARY = join(ROOT, '.tmp', 'e2e-binary', 'corch');

/**
 * Returns a single-file binary of the CLI, compiling it only when it is missing or older than the sources
 * (a compile takes a few seconds; an unchanged tree reuses the last one). It is compiled from the e2e
 * snapshot of `bin/` and `dist/` (`snapshotBin` is its shim), with the exact command of `npm run
 * compile:binary`, so the test covers what the script builds while colleagues may be rebuilding `dist/`.
 */
export function ensureBinary(snapshotBin: string): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= sourcesChangedAt()) return BINARY;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts['compile:binary'];
  if (!script?.includes(' bin/corch.mjs ') || !script.endsWith(' --outfile dist-bin/corch')) {
    throw new Error(`the compile:binary script changed shape; update ensureBinary: ${script}`);
  }
  mkdirSync(dirname(BINARY), { recursive: true });
  // Compiled under a private name, then renamed: another test run reusing the binary never sees half a file.
  const partial = `${BINARY}.${process.pid}`;
  const command = script.replace(/ --outfile dist-bin\/corch$/, ` --outfile '${partial}'`);
  try {
    execFileSync('sh', ['-c', command], {
      // The snapshot's root, so `bin/corch.mjs` is its shim; imports still resolve from the repository's node_modules.
      cwd: dirname(dirname(snapshotBin)),
      env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    renameSync(partial, BINARY);
  } finally {
    rmSync(partial, { force: true });
  }
  return BINARY;
}
