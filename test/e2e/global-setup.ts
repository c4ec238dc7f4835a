import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = join(ROOT, 'dist/cli/main.mjs');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The CLI shim to spawn with node: a private snapshot of `bin/` and `dist/`. */
    corchBin: string;
  }
}

/** Newest modification time under `path` (files only). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/**
 * Builds once (`npm run build`) when dist is missing or older than the sources, then snapshots `bin/` and
 * `dist/` into a private directory: colleagues rebuilding `dist/` in the same tree (unbuild cleans it
 * first) cannot pull the files from under a running test. The snapshot lives inside the repository so the
 * built files still resolve their dependencies from `node_modules`.
 */
export default function setup(project: TestProject): () => void {
  const sources = Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'package.json')), newest(join(ROOT, 'build.config.ts')));
  if (!existsSync(ENTRY) || statSync(ENTRY).mtimeMs < sources) {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const snapshot = join(ROOT, '.tmp', `e2e-cli-${process.pid}`);
  mkdirSync(snapshot, { recursive: true });
  cpSync(join(ROOT, 'bin'), join(snapshot, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(snapshot, 'dist'), { recursive: true });
  project.provide('corchBin', join(snapshot, 'bin', 'corch.mjs'));
  return () => rmSync(snapshot, { recursive: true, force: true });
}
