import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT, sourcesChangedAt } from './freshness.js';

const ENTRY = join(ROOT, 'dist/cli/main.mjs');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The CLI shim to spawn with node: a private snapshot of `bin/` and `dist/`. */
    corchBin: string;
  }
}

/**
 * Builds once (`npm run build`) when dist is missing or older than the sources, then snapshots `bin/` and
 * `dist/` into a private directory: colleagues rebuilding `dist/` in the same tree (unbuild cleans it
 * first) cannot pull the files from under a running test. The snapshot lives inside the repository so the
 * built files still resolve their dependencies from `node_modules`.
 */
export default function setup(project: TestProject): () => void {
  if (!existsSync(ENTRY) || statSync(ENTRY).mtimeMs < sourcesChangedAt()) {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const snapshot = join(ROOT, '.tmp', `e2e-cli-${process.pid}`);
  mkdirSync(snapshot, { recursive: true });
  cpSync(join(ROOT, 'bin'), join(snapshot, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(snapshot, 'dist'), { recursive: true });
  project.provide('corchBin', join(snapshot, 'bin', 'corch.mjs'));
  return () => rmSync(snapshot, { recursive: true, force: true });
}
