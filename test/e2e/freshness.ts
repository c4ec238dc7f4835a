import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Newest modification time under `path` (files only). */
export function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** When the inputs of the build (sources, the shim, the web page build, package.json, the build configs) last changed. */
export function sourcesChangedAt(): number {
  return Math.max(...['src', 'bin', 'scripts', 'package.json', 'build.config.ts', 'vite.config.ts'].map((path) => newest(join(ROOT, path))));
}
